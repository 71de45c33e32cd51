"""Making images from a trained generator: latent vectors and pixels, PNG files, latent walks and grids."""
