from .expclr import ExpCLRLoss as ExpCLRLoss
from .expclr import combine_label_similarity as combine_label_similarity
from .expclr import expclr_loss as expclr_loss
from .expclr import expert_similarity as expert_similarity
from .supcon import SupConLoss as SupConLoss
from .supcon import nt_xent_loss as nt_xent_loss
from .supcon import supcon_loss as supcon_loss
