"""Training neural methods: `train` one run (resumable), `compare_init` a method's inits.

Output of a run: the module's state_dict, a JSON sidecar saying exactly how it was made, and a
loss-curve PNG. Method-specific starts (LNet-GIE's Procedure 1) live with the method, behind the
`NeuralMethod` training hooks.
"""

from .checkpoints import checkpoint_path
from .compare import compare_folder, compare_init
from .config import TrainConfig, default_out
from .data import TrainData, load_train_data, split_validation, spread
from .loop import TrainHooks
from .outputs import TrainResult, plot_path
from .trainer import train

__all__ = [
    "TrainConfig",
    "TrainData",
    "TrainHooks",
    "TrainResult",
    "checkpoint_path",
    "compare_folder",
    "compare_init",
    "default_out",
    "load_train_data",
    "plot_path",
    "split_validation",
    "spread",
    "train",
]
