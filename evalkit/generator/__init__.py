"""Definition modelling on WordNet 3.0 with an RNN / LSTM: a numpy reference, its PyTorch twin, and a
training loop scored by evalkit's own metrics (see docs/generator.md).

Nothing here imports torch until a PyTorch function runs (``pip install 'evalkit[torch]'``).
"""

from evalkit.generator.config import TrainConfig
from evalkit.generator.model import DefinitionModel
from evalkit.generator.rnn_numpy import ModelSpec
from evalkit.text.perplexity import Perplexity

__all__ = ["DefinitionModel", "ModelSpec", "Perplexity", "TrainConfig"]
