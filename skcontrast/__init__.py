"""skcontrast: scikit-learn embedders trained with contrastive learning."""

from ._training import TrainingDivergedError
from .embedders import SCARFEmbedder, TS2VecEmbedder
from .finetune import FineTunedClassifier

__version__ = "0.1.0.dev0"

__all__ = ["FineTunedClassifier", "SCARFEmbedder", "TS2VecEmbedder", "TrainingDivergedError", "__version__"]
