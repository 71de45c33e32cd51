"""`fit --init-from RUN` starts from another run's networks (a conditional run from an unconditional one included);
`--freeze-d N` keeps the discriminator's first layers fixed."""

import json

import numpy as np
import pytest
from conftest import head_image, run_module, tiny_config, write_image


@pytest.fixture(scope="module")
def donor(tmp_path_factory):
    """An unconditional one-epoch run, and its data (yes/ and no/)."""
    from mri_gan.training.run import train

    root = tmp_path_factory.mktemp("transfer")
    for index in range(12):
        write_image(root / "data" / ("yes" if index % 2 else "no") / f"{index}.png", head_image(48, 48, seed=index))
    train(tiny_config(root / "data", epochs=1), root / "donor")
    return root / "donor", root / "data"


def test_a_conditional_run_starts_as_its_unconditional_donor_for_every_label(donor):
    import keras

    from mri_gan.gan.build import build_gan
    from mri_gan.gan.transfer import copy_networks_from

    run, data = donor
    config = tiny_config(data, epochs=1)
    config.model.conditional = True
    config.train.seed = 7  # other fresh weights than the donor's
    gan = build_gan(config, num_classes=2)
    said = copy_networks_from(gan, run)
    assert "label_embedding" in said
    donor_generator = keras.models.load_model(run / "keras" / "generator.keras", compile=False)
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    expected = donor_generator(z, training=False).numpy()
    for label in (0, 1):
        made = gan.generator([z, np.full(4, label, "int32")], training=False).numpy()
        np.testing.assert_allclose(made, expected, atol=1e-5)
    donor_discriminator = keras.models.load_model(run / "keras" / "discriminator.keras", compile=False)
    for layer in donor_discriminator.layers:
        for theirs, mine in zip(layer.weights, gan.discriminator.get_layer(layer.name).weights, strict=True):
            np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_other_network_settings_are_one_clear_error(donor):
    from mri_gan.errors import ConfigError
    from mri_gan.gan.build import build_gan
    from mri_gan.gan.transfer import copy_networks_from

    run, data = donor
    config = tiny_config(data)
    config.model.width = 8
    with pytest.raises(ConfigError, match="the runs' networks differ"):
        copy_networks_from(build_gan(config), run)


def test_frozen_discriminator_layers_do_not_change_and_the_rest_trains(donor):
    from mri_gan.gan.build import build_gan

    _, data = donor
    config = tiny_config(data)
    config.train.freeze_d = 2
    gan = build_gan(config)
    weighted = [layer for layer in gan.discriminator.layers if layer.weights]
    before = [[weight.numpy().copy() for weight in layer.weights] for layer in weighted]
    real = np.random.default_rng(0).uniform(-1, 1, (4, 32, 32, 1)).astype("float32")
    for _ in range(3):
        gan.train_step(real)
    changed = [any(not np.array_equal(w.numpy(), b) for w, b in zip(layer.weights, old, strict=True))
               for layer, old in zip(weighted, before, strict=True)]  # fmt: skip
    assert changed[:2] == [False, False]
    assert any(changed[2:])


def test_fit_init_from_records_its_source_and_refuses_a_missing_run_in_one_paragraph(donor, tmp_path):
    run, data = donor
    args = ["--data", str(data), "--resolution", "32", "--width", "4", "--latent-dim", "8", "--batch-size", "4",
            "--epochs", "1", "--quality-every", "0"]  # fmt: skip
    started = run_module("mri_gan.fit", *args, "--out", str(tmp_path / "child"), "--init-from", str(run),
                         "--conditional", "--freeze-d", "1")  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert f"Started from the networks of {run}" in started.stderr
    recorded = json.loads((tmp_path / "child" / "config.json").read_text())["config"]["train"]
    assert recorded["init_from"] == str(run) and recorded["freeze_d"] == 1
    missing = run_module("mri_gan.fit", *args, "--out", str(tmp_path / "other"), "--init-from", str(tmp_path / "no"))
    assert missing.returncode == 2 and "keras/generator.keras" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "other").exists(), "refused before anything is written"
