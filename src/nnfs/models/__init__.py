"""Complete models built from the package's layers."""

from nnfs.models.bert import (
    BertConfig,
    BertForSequenceClassification,
    BertModel,
)
from nnfs.models.char_rnn import CharRNN, CharVocabulary, stream_windows
from nnfs.models.gpt import GPT, GPTConfig
from nnfs.models.lenet import LeNet5
from nnfs.models.masked_lm import BertForMaskedLM
from nnfs.models.small_cnn import SmallCNN
from nnfs.models.unet import UNet
from nnfs.models.vae import VAE, VAELoss
