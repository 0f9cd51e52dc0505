"""minidl.utils.data: datasets, batching, splitting and scaling (``torch.utils.data`` plus a few
scikit-learn-style helpers the course notes use)."""
from .dataset import Dataset, TensorDataset, Subset, ConcatDataset
from .collate import default_collate
from .dataloader import DataLoader
from .split import random_split, KFold, kfold_split, train_val_test_split
from .preprocessing import StandardScaler, MinMaxScaler, one_hot

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "default_collate", "DataLoader",
           "random_split", "KFold", "kfold_split", "train_val_test_split",
           "StandardScaler", "MinMaxScaler", "one_hot"]
