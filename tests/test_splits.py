"""Subject-wise splits: no subject on both sides, plain images split one by one."""

import numpy as np
import pytest

from mri_gan.data.splits import split_by_subject


def test_no_subject_is_on_both_sides_and_the_sizes_follow_the_fraction():
    subjects = [f"patient{i // 10}" for i in range(200)]  # 20 patients, 10 slices each
    first, second = split_by_subject(subjects, 0.5, seed=3)
    assert not {subjects[i] for i in first} & {subjects[i] for i in second}
    assert sorted(np.concatenate([first, second]).tolist()) == list(range(200))
    assert 90 <= len(first) <= 110


def test_images_without_subject_count_as_their_own_and_bad_fractions_are_refused():
    first, second = split_by_subject([None] * 10, 0.3, seed=0)
    assert len(first) == 3 and len(second) == 7
    with pytest.raises(ValueError, match=r"1\.5"):
        split_by_subject(["a"], 1.5)


def test_evaluation_names_the_subjects_that_possible_copies_resemble(monkeypatch):
    from mri_gan.evaluation import evaluate_images

    monkeypatch.setenv("MRI_GAN_OFFLINE", "1")
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, (40, 32, 32, 1), dtype=np.uint8)
    subjects = [f"subject{i // 10}" for i in range(40)]
    fake = real[[0, 1, 2, 15]]  # three copies of subject0's slices, one of subject1's
    report = evaluate_images(real, fake, real, real_subjects=subjects, train_subjects=subjects, seed=0)
    assert report["novelty"]["possible_copy_subjects"] == {"subject0": 3, "subject1": 1}
