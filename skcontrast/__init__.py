"""skcontrast: scikit-learn embedders trained with contrastive learning."""

from ._health import TrainingCollapseWarning
from ._persistence import ModelFileError, load
from ._training import TrainingDivergedError
from .embedders import (
    ExpCLREmbedder,
    SCARFEmbedder,
    SupConEmbedder,
    TS2VecEmbedder,
    UntrainedEmbedder,
)
from .finetune import FineTunedClassifier

__version__ = "0.1.0.dev0"

__all__ = ["ExpCLREmbedder", "FineTunedClassifier", "ModelFileError", "SCARFEmbedder",
           "SupConEmbedder", "TS2VecEmbedder", "TrainingCollapseWarning", "TrainingDivergedError",
           "UntrainedEmbedder",
           "__version__", "load"]
