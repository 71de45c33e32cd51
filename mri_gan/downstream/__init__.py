"""Do synthetic slices help a tumour classifier? The protocol behind `python -m mri_gan.utility`.

Repeated k-fold cross-validation with subject- and byte-disjoint folds (`folds`), classifiers
trained for the same number of optimizer steps in every arm with classic augmentation
(`classifiers`), the arms that add synthetic images in different ways (`arms`), paired
differences to the real-only baseline with bootstrap intervals and Holm's correction
(`statistics`), and the report (`report`).
"""
