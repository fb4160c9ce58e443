"""Sphinx configuration: API reference (autosummary + numpydoc), the user guide (MyST),
the example gallery (sphinx-gallery), the pydata theme.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (what CI runs).
"""

import os
import sys
from pathlib import Path

# The examples run on the CPU with one thread: the same numbers everywhere. Set before
# torch is imported (by skcontrast), which reads it once.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import skcontrast  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))

project = "skcontrast"
author = "the skcontrast developers"
copyright = "2026, the skcontrast developers"
release = skcontrast.__version__
version = release.split(".dev")[0]

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "**/*.md5"]
templates_path = ["_templates"]

# API reference: one page per public name, generated from the autosummary tables.
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say it, once
numpydoc_show_class_members = False  # the class template lists methods itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# The user guide is Markdown (MyST); "{code-cell}"-free, so no notebook machinery.
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "doc_module": ("skcontrast",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skcontrast": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "min_reported_time": 1,
}

html_theme = "pydata_sphinx_theme"
html_title = "skcontrast"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
html_static_path = []

