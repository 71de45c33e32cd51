"""From folders of MR images (or the built-in phantom set) to `tf.data` training batches."""

from mri_gan.data.builtin import cache_root, default_dataset_dir
from mri_gan.data.decode import decode_grayscale, to_model_input
from mri_gan.data.files import IMAGE_SUFFIXES, UNLABELLED, FolderScan, ImageFile, scan_image_folder
from mri_gan.data.phantom import PhantomSlice, render_slice, write_phantom_dataset
from mri_gan.data.pipeline import batched, files_dataset, folder_dataset, image_preprocessor

__all__ = [
    "IMAGE_SUFFIXES",
    "UNLABELLED",
    "FolderScan",
    "ImageFile",
    "PhantomSlice",
    "batched",
    "cache_root",
    "decode_grayscale",
    "default_dataset_dir",
    "files_dataset",
    "folder_dataset",
    "image_preprocessor",
    "render_slice",
    "scan_image_folder",
    "to_model_input",
    "write_phantom_dataset",
]
