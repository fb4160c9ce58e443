"""skcontrast: scikit-learn embedders trained with contrastive learning."""

from . import probes  # noqa: F401  (its estimators register themselves for load)
from ._config import config_context, get_config, set_config
from ._health import TrainingCollapseWarning
from ._persistence import ModelFileError, load
from ._training import TrainingDivergedError
from ._version import __version__
from .embedders import (
    ExpCLREmbedder,
    MultiViewEmbedder,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
    UntrainedEmbedder,
)
from .finetune import FineTunedClassifier

__all__ = ["ExpCLREmbedder", "FineTunedClassifier", "ModelFileError", "MultiViewEmbedder",
           "SCARFEmbedder",
           "SupConEmbedder", "TS2VecEmbedder", "TrainingCollapseWarning", "TrainingDivergedError",
           "UntrainedEmbedder",
           "__version__", "config_context", "get_config", "load", "set_config"]
