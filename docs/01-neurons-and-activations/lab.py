# %% [markdown]
# # Lab: activations
# A test lab $x^2$.

# %%
import matplotlib.pyplot as plt
import numpy as np

from nnfs import functional as F

x = np.linspace(-5, 5, 200)
plt.plot(x, F.sigmoid(x))
plt.show()
