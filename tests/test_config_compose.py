"""Config composition: families over bases, size overlays, overrides, and errors that name the file."""
from __future__ import annotations

import pytest

from semg_study.errors import ConfigError
from semg_study.recipes import available_configs, load_config
from semg_study.recipes import compose
from semg_study.recipes.profiles import PROFILE_SIZE, benchmark_knobs, config_name, plan_knobs


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """An empty configs folder (with base/) standing in for the package's."""
    (tmp_path / "base").mkdir()
    monkeypatch.setattr(compose, "CONFIG_DIR", tmp_path)
    monkeypatch.setattr(compose, "BASE_DIR", tmp_path / "base")
    return tmp_path


def write(path, text):
    path.write_text(text)
    return path


COMMON = """
decode: {alpha: 1.5}
sizes:
  small:
    data: {root: data/small, train_modes: [silent, voiced]}
    train: {epochs: 2}
  big:
    data: {root: data/big}
    train: {epochs: 50, halve_at_epochs: [10, 20, 30]}
"""
FAMILY = """
base: common
model: {name: gaddy2022, max_shift: 7}
data: {features: {streams: [emg_raw], preset: gaddy2022}}
sizes:
  small:
    model: {d_model: 16}
    data: {train_modes: [voiced], features: {streams: [emg_features]}}
  big:
    model: {d_model: 64}
    train: {halve_at_epochs: [40]}
  huge:
    base: big
    model: {n_layers: 12}
"""


def test_a_family_is_merged_over_its_base_per_size(config_dir):
    write(config_dir / "base" / "common.yaml", COMMON)
    write(config_dir / "fam.yaml", FAMILY)
    assert compose.available_configs() == ["fam-big", "fam-huge", "fam-small"]  # base/ gives no names
    small = load_config("fam-small")
    assert small.name == "fam-small" and small.model.kwargs == {"max_shift": 7, "d_model": 16}
    assert small.data.root == "data/small" and small.train.epochs == 2 and small.decode.alpha == 1.5
    # mappings merge key by key (the preset stays), lists are replaced (not appended)
    assert small.data.features == {"streams": ["emg_features"], "preset": "gaddy2022"}
    assert small.data.train_modes == ["voiced"]
    big = load_config("fam-big")
    assert big.train.halve_at_epochs == [40] and big.train.epochs == 50 and big.model.kwargs["d_model"] == 64
    # a size may start from another size of the same family
    huge = load_config("fam-huge")
    assert huge.model.kwargs == {"max_shift": 7, "d_model": 64, "n_layers": 12}
    assert huge.train.halve_at_epochs == [40] and huge.data.root == "data/big"


def test_overrides_go_over_the_composed_config(config_dir):
    write(config_dir / "base" / "common.yaml", COMMON)
    write(config_dir / "fam.yaml", FAMILY)
    cfg = load_config("fam-big", ["train.epochs=3", "data.condition=closed", "model.d_model=8"])
    assert (cfg.train.epochs, cfg.data.condition, cfg.model.kwargs["d_model"]) == (3, "closed", 8)
    assert cfg.train.halve_at_epochs == [40]  # untouched keys keep the composed value


def test_unknown_keys_name_the_file_and_the_key(config_dir):
    write(config_dir / "base" / "common.yaml", COMMON)
    write(config_dir / "fam.yaml", FAMILY.replace("train: {halve_at_epochs: [40]}", "train: {halve_at: [40]}"))
    with pytest.raises(ConfigError, match=r"fam\.yaml \(sizes\.big\): unknown key train\.halve_at"):
        load_config("fam-big")
    write(config_dir / "fam.yaml", FAMILY.replace("max_shift: 7", "max_shift: 7, not_a_knob: 1"))
    with pytest.raises(ConfigError, match=r"fam\.yaml: unknown key model\.not_a_knob"):
        load_config("fam-small")
    write(config_dir / "fam.yaml", FAMILY + "trainer: {epochs: 1}\n")
    with pytest.raises(ConfigError, match=r"fam\.yaml: unknown key 'trainer'"):
        load_config("fam-small")
    write(config_dir / "fam.yaml", FAMILY.replace("  small:\n    model", "  small:\n    epochs: 3\n    model"))
    with pytest.raises(ConfigError, match=r"fam\.yaml \(sizes\.small\): unknown key 'epochs'"):
        load_config("fam-small")
    write(config_dir / "fam.yaml", FAMILY)
    with pytest.raises(ConfigError, match=r"overrides of fam-small: unknown key train\.epoch\b"):
        load_config("fam-small", ["train.epoch=3"])
    write(config_dir / "fam.yaml", FAMILY.replace("base: common", "base: nowhere"))
    with pytest.raises(ConfigError, match="unknown base family 'nowhere'"):
        load_config("fam-small")
    write(config_dir / "fam.yaml", FAMILY.replace("base: common", "base: fam"))
    with pytest.raises(ConfigError, match="its own base"):
        load_config("fam-small")


def test_unknown_names_list_the_available_ones(config_dir):
    write(config_dir / "base" / "common.yaml", COMMON)
    write(config_dir / "fam.yaml", FAMILY)
    for name in ("fam-medium", "common-small", "fam", "nofam-small"):
        with pytest.raises(ConfigError, match="unknown config.*available: fam-big, fam-huge, fam-small"):
            load_config(name)


def test_a_config_file_may_name_configs_as_its_base(tmp_path):
    path = write(tmp_path / "mine.yaml", "base: myostream-smoke\ntrain: {epochs: 5}\nmodel: {d_model: 24}\n")
    cfg = load_config(path)
    reference = load_config("myostream-smoke")
    assert cfg.name == "mine" and cfg.train.epochs == 5 and cfg.model.kwargs["d_model"] == 24
    assert cfg.model.kwargs["n_layers"] == reference.model.kwargs["n_layers"]
    assert cfg.data == reference.data and cfg.decode == reference.decode
    write(tmp_path / "bad.yaml", "base: myostream-smoke\ntrain: {epoch: 5}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: unknown key train\.epoch\b"):
        load_config(tmp_path / "bad.yaml")


def test_the_packaged_families_give_every_config_name():
    expected = {f"{family}-{size}" for family in ("ds2audio_ljspeech", "ds2audio_closed", "ds2audio_full", "ds2emg",
                                                  "gaddy2022", "myostream") for size in ("smoke", "quick", "paper")}
    assert set(available_configs()) == expected | {"myostream-small", "myostream-medium"}


@pytest.mark.parametrize("size", ["smoke", "quick", "paper"])
def test_the_closed_and_open_audio_configs_differ_only_in_the_condition(size):
    closed = load_config(f"ds2audio_closed-{size}").to_dict()
    as_override = load_config(f"ds2audio_full-{size}", ["data.condition=closed"]).to_dict()
    assert closed["data"]["condition"] == "closed"
    assert {**closed, "name": ""} == {**as_override, "name": ""}


def test_profiles_are_one_table_the_plans_and_the_benchmark_read():
    from semg_study.chapters import plan as plans
    from semg_study.experiments.benchmark import plan as benchmark

    assert PROFILE_SIZE == {"smoke": "smoke", "quick": "quick", "full": "paper"}
    assert config_name("myostream", "full") == "myostream-paper"
    for profile in PROFILE_SIZE:
        p = plans.plan(profile)
        assert p["size"] == PROFILE_SIZE[profile] and p["workers"] == plan_knobs(profile)["workers"]
        assert p["ablations"]["seeds"] == plan_knobs(profile)["ablation_seeds"]
        b = benchmark.benchmark_plan(profile)
        assert b["threads"] == benchmark_knobs(profile)["threads"] and b["epochs"] == benchmark_knobs(profile)["epochs"]
        assert all(r["config"].endswith(f"-{PROFILE_SIZE[profile]}") for r in b["runs"])
    knobs = plan_knobs("quick")
    knobs["workers"] = 99  # a copy: the table itself stays as it is
    assert plan_knobs("quick")["workers"] == 2
    with pytest.raises(ConfigError, match="unknown profile 'medium'"):
        config_name("myostream", "medium")


def test_config_verb_prints_the_resolved_config_and_where_each_value_was_set(capsys):
    from semg_study.cli import main
    from semg_study.recipes import load_config
    from semg_study.recipes.explain import resolved_entries

    cfg, entries = resolved_entries("myostream-quick", ["train.epochs=80"])
    by_key = {e["key"]: e for e in entries}
    resolved = load_config("myostream-quick", ["train.epochs=80"]).to_dict()
    # every key of every section, with the value training reads
    for section in ("data", "train", "decode"):
        for key, value in resolved[section].items():
            assert by_key[f"{section}.{key}"]["value"] == value
    for key, value in resolved["model"].items():
        if key != "name":
            assert by_key[f"model.{key}"]["value"] == value
    assert by_key["train.epochs"]["origin"] == "overrides of myostream-quick"
    assert by_key["model.d_model"]["origin"] == "semg_study/configs/myostream.yaml (sizes.quick)"
    assert by_key["train.seed"]["origin"] == "default (semg_study/recipes/config.py)"
    assert by_key["model.n_sessions"]["origin"].startswith("set from the data when training")
    assert main(["config", "myostream-quick", "train.epochs=80"]) == 0
    printed = capsys.readouterr().out
    assert "train.epochs = 80" in printed and "# overrides of myostream-quick" in printed
    assert main(["config", "no-such-config"]) == 1
    assert "unknown config 'no-such-config'" in capsys.readouterr().err


def test_the_profiles_knobs_live_in_a_config_file_and_the_config_verb_prints_them(capsys, tmp_path):
    import yaml

    from semg_study.cli import main
    from semg_study.errors import ConfigError
    from semg_study.recipes import profiles
    from semg_study.recipes.explain import profile_entries

    # the file is the knobs: what the plan reads is what the file says
    on_disk = yaml.safe_load(profiles.PROFILES_FILE.read_text())
    assert on_disk == profiles.PROFILES
    assert profiles.plan_knobs("quick")["epochs"] == on_disk["quick"]["plan"]["epochs"]
    by_key = {e["key"]: e for e in profile_entries("quick")}
    assert by_key["plan.epochs.ablation"]["value"] == on_disk["quick"]["plan"]["epochs"]["ablation"]
    assert by_key["plan.headline.budget.train.epochs"]["origin"] == "semg_study/configs/study/profiles.yaml (quick)"
    assert main(["config", "--profile", "quick"]) == 0
    assert "plan.headline.budget.train.patience = " in capsys.readouterr().out
    assert main(["config", "--profile", "medium"]) == 1
    assert "unknown profile 'medium'" in capsys.readouterr().err
    broken = tmp_path / "profiles.yaml"
    broken.write_text("quick: {size: quick}\n")
    with pytest.raises(ConfigError, match="profiles.yaml: each profile needs"):
        profiles._load(broken)
