"""Where and how TensorFlow computes: its start-up settings, number formats, the CPU/GPU facts they are chosen
from, and distribution strategies."""
