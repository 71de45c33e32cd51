"""Configuration: TOML files, flag overrides and validation messages."""

import pytest

from mri_gan.cli.fit import parser, resolve
from mri_gan.config import RunConfig
from mri_gan.errors import ConfigError, DataNotFoundError


def resolved(*argv):
    return resolve(parser().parse_args(list(argv)))


def test_the_papers_table_1_loads(tmp_path):
    from pathlib import Path

    config = RunConfig.from_toml(Path(__file__).parents[1] / "experiments" / "paper.toml").validate()
    assert (config.model.resolution, config.train.batch_size, config.train.epochs) == (64, 128, 20000)
    assert (config.train.lr, config.train.beta_1, config.model.width) == (2e-4, 0.5, 64)


def test_the_small_data_recipe_loads_with_its_settings_and_flags_override_it(tmp_path):
    from pathlib import Path

    recipe = Path(__file__).parents[1] / "experiments" / "small_data.toml"
    config = RunConfig.from_toml(recipe).validate()
    assert (config.model.resolution, config.model.width, config.train.batch_size) == (64, 32, 32)
    assert (config.train.augment, config.train.ada_kimg, config.train.ada_max_p) == ("ada", 20, 0.8)
    assert config.data.mirror
    assert (config.train.r1_gamma, config.train.r1_interval, config.train.images) == (0.05, 16, 500_000)
    assert config.train.lr_decay == 0.5
    overridden, _ = resolved("--config", str(recipe), "--epochs", "7", "--r1-interval", "1", "--out", str(tmp_path))
    assert (overridden.train.epochs, overridden.train.r1_interval, overridden.data.mirror) == (7, 1, True)
    assert overridden.train.images == 0


def test_without_a_config_file_fit_trains_the_small_data_recipe_at_a_shorter_length(tmp_path):
    from pathlib import Path

    recipe = RunConfig.from_toml(Path(__file__).parents[1] / "experiments" / "small_data.toml").to_dict()
    default, _ = resolved("--out", str(tmp_path / "a"))
    default = default.to_dict()
    assert default["train"].pop("images") == 200_000 and recipe["train"].pop("images") == 500_000
    for cadence in ("checkpoint_every", "sample_every", "summary_every"):  # how often a longer run saves and prints
        del default["train"][cadence], recipe["train"][cadence]
    assert default == recipe
    unmirrored, _ = resolved("--no-mirror", "--out", str(tmp_path / "b"))
    assert not unmirrored.data.mirror and unmirrored.train.augment == "ada"
    in_epochs, _ = resolved("--epochs", "3", "--out", str(tmp_path / "c"))
    assert (in_epochs.train.epochs, in_epochs.train.images, in_epochs.model.resolution) == (3, 0, 64)


def test_a_config_file_starts_from_the_plain_dcgan_not_the_recipe(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text("[train]\nepochs = 4\n")
    config, _ = resolved("--config", str(path), "--out", str(tmp_path / "run"))
    assert (config.train.augment, config.train.r1_gamma, config.data.mirror, config.train.images) == ("", 0, False, 0)
    assert (config.model.resolution, config.train.batch_size, config.train.ada_max_p) == (32, 64, 1.0)


def test_a_saved_run_missing_newer_settings_resumes_with_the_plain_defaults_not_the_recipes():
    record = RunConfig().to_dict()
    del record["train"]["ada_max_p"], record["train"]["images"], record["data"]["mirror"]
    restored = RunConfig.from_dict(record, "config.json")
    assert (restored.train.ada_max_p, restored.train.images, restored.data.mirror) == (1.0, 0, False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch-size", "0"], "train.batch_size must be at least 1, got 0"),
        (["--lr", "-1"], "train.lr must be above 0, got -1.0"),
        (["--ema-decay", "1"], "train.ema_decay must be in [0, 1), got 1.0"),
        (["--epochs", "0"], "train.epochs must be at least 1, got 0"),
        (["--cache", "memory", "--clip-percentiles", "99", "1"], "data.clip_percentiles must be [low, high]"),
    ],
)
def test_bad_flag_values_are_named_in_the_error(argv, message, tmp_path):
    with pytest.raises(ConfigError) as error:
        resolved("--out", str(tmp_path / "run"), *argv)
    assert message in str(error.value)


def test_a_value_outside_the_declared_choices_is_named(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text("[model]\nresolution = 48\n")
    with pytest.raises(ConfigError, match=r"model.resolution must be one of 32, 64, 128, 256; got 48"):
        RunConfig.from_toml(path).validate()
    with pytest.raises(SystemExit):
        parser().parse_args(["--resolution", "48"])
    assert "invalid choice: 48" in capsys.readouterr().err


def test_unknown_key_in_the_file_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[train]\nepochs = 3\nlearning_rate = 0.1\n")
    with pytest.raises(ConfigError, match=r"unknown key 'learning_rate' in .*bad.toml \[train\]; known keys: .*lr"):
        RunConfig.from_toml(path)


def test_wrong_type_and_bad_toml_are_named(tmp_path):
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[train]\nbatch_size = "big"\n')
    with pytest.raises(ConfigError, match=r"batch_size .* wrong type: got 'big'"):
        RunConfig.from_toml(wrong)
    broken = tmp_path / "broken.toml"
    broken.write_text("[train\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        RunConfig.from_toml(broken)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataNotFoundError, match="does not exist"):
        resolved("--config", str(tmp_path / "none.toml"), "--out", str(tmp_path / "run"))


def test_flags_override_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[train]\nepochs = 7\nbatch_size = 16\n[model]\nresolution = 32\n")
    config, out = resolved("--config", str(path), "--epochs", "9", "--out", str(tmp_path / "run"))
    assert (config.train.epochs, config.train.batch_size, config.model.resolution) == (9, 16, 32)
    assert out == tmp_path / "run"


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(DataNotFoundError, match="no checkpoint"):
        resolved("--resume", "--out", str(tmp_path / "fresh"))


def test_each_network_can_have_its_own_learning_rate_and_falls_back_to_lr():
    from mri_gan.gan.build import build_gan
    from mri_gan.training.run import learning_rates

    config = RunConfig()
    config.model.width, config.model.latent_dim = 4, 8
    config.train.lr, config.train.d_lr = 3e-4, 1e-4
    gan = build_gan(config)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(3e-4)
    assert learning_rates(config.train) == "--lr 0.0003 --d-lr 0.0001"  # what a divergence error tells to lower
    config.train.d_lr = -1e-4
    with pytest.raises(ConfigError, match=r"train.d_lr.*-0.0001"):
        config.validate()


def test_a_resumed_run_keeps_each_networks_own_learning_rate(tiny_folder, tmp_path):
    from mri_gan.training.run import train

    config = RunConfig()
    config.data.path = str(tiny_folder)
    config.model.width, config.model.latent_dim = 4, 8
    config.train.batch_size, config.train.precision, config.train.quality_every = 4, "float32", 0
    config.train.epochs, config.train.lr, config.train.g_lr = 1, 3e-4, 1e-4
    train(config, tmp_path / "run")
    config.train.epochs = 2
    resumed = train(config, tmp_path / "run")
    assert resumed.epochs_done == 2
    assert float(resumed.model.d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert float(resumed.model.g_optimizer.learning_rate) == pytest.approx(1e-4)


def test_switching_the_class_head_on_or_off_changes_the_checkpoints_layout_but_its_weight_does_not():
    saved = RunConfig()
    saved.model.conditional, saved.train.class_loss = True, 1.0
    resumed = RunConfig()
    resumed.model.conditional, resumed.train.class_loss = True, 0.5
    assert resumed.layout_changes(saved) == []  # the same head and optimizer slots, another weight
    resumed.train.class_loss, resumed.model.width = 0.0, 64
    assert resumed.layout_changes(saved) == ["width 32 -> 64", "class_loss 1 -> 0"]


def test_apa_with_the_class_loss_in_a_conditional_run_is_cautioned_against_and_nothing_else_is():
    config = RunConfig()
    config.model.conditional, config.train.class_loss, config.train.augment = True, 1.0, "ada,apa"
    (caution,) = config.cautions()
    assert "--augment ada,apa" in caution and "--class-loss 1" in caution and "collapsed" in caution
    config.train.augment = "ada"
    assert config.cautions() == []
    config.train.augment, config.model.conditional, config.train.class_loss = "ada,apa", False, 0.0
    assert config.cautions() == []  # APA in unconditional runs is the measured use


def test_a_length_in_images_becomes_the_fewest_epochs_that_show_them():
    config = RunConfig()
    config.train.epochs, config.train.images = 300, 500_000
    assert config.train.length_in_epochs(506) == 989  # the mirrored Kaggle set: 988.1 epochs, rounded up
    assert config.train.length_in_epochs(2_000) == 250
    config.train.images = 0
    assert config.train.length_in_epochs(506) == 300


def test_epochs_given_on_the_command_line_win_over_a_files_length_in_images_and_both_at_once_is_an_error(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[train]\nimages = 500000\n")
    from_file, _ = resolved("--config", str(path), "--out", str(tmp_path / "a"))
    assert from_file.train.images == 500_000
    overridden, _ = resolved("--config", str(path), "--epochs", "7", "--out", str(tmp_path / "b"))
    assert (overridden.train.images, overridden.train.epochs) == (0, 7)
    with pytest.raises(ConfigError, match=r"--epochs 7 and --images 100 both set the run's length"):
        resolved("--epochs", "7", "--images", "100", "--out", str(tmp_path / "c"))
    with pytest.raises(ConfigError, match=r"train.images must be at least 0, got -5"):
        resolved("--images", "-5", "--out", str(tmp_path / "d"))
