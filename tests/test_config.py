"""skcontrast's global settings: validated, scoped, per thread, and never change a result."""

import threading

import numpy as np
import pytest
import torch

import skcontrast
from skcontrast import SCARFEmbedder, config_context, get_config, set_config
from skcontrast.encoders import DilatedConvEncoder


def test_defaults_and_context_restores():
    assert get_config() == {"block_mib": 64, "stream_above_mib": 256, "dilated_conv": "auto"}
    with config_context(block_mib=1.5, dilated_conv="per_tap"):
        assert get_config()["block_mib"] == 1.5
        assert get_config()["dilated_conv"] == "per_tap"
        with pytest.raises(RuntimeError):  # restored even when the block raises
            with config_context(stream_above_mib=3):
                raise RuntimeError
        assert get_config()["stream_above_mib"] == 256
    assert get_config()["block_mib"] == 64
    config = get_config()
    config["block_mib"] = 1  # a copy: changing it changes nothing
    assert get_config()["block_mib"] == 64


@pytest.mark.parametrize("settings, match", [
    ({"block_mib": 0}, "block_mib must be a positive"),
    ({"block_mib": float("inf")}, "finite"),
    ({"stream_above_mib": True}, "stream_above_mib"),
    ({"dilated_conv": "fast"}, "dilated_conv must be one of"),
])
def test_bad_settings_are_refused(settings, match):
    with pytest.raises(ValueError, match=match):
        set_config(**settings)
    assert get_config()["block_mib"] == 64


def test_unknown_setting_is_named():
    with pytest.raises(TypeError, match="Unknown skcontrast setting.*block_size"):
        with config_context(block_size=3):
            pass


def test_settings_are_per_thread():
    seen = []
    with config_context(block_mib=2):
        thread = threading.Thread(target=lambda: seen.append(get_config()["block_mib"]))
        thread.start()
        thread.join()
    assert seen == [64]


def test_settings_change_no_result():
    X = np.random.RandomState(0).normal(size=(300, 5))
    emb = SCARFEmbedder(max_epochs=2, batch_size=64, random_state=0).fit(X)
    with config_context(block_mib=5 * 4 * 40 / 2**20, stream_above_mib=1e-9):
        streamed = SCARFEmbedder(max_epochs=2, batch_size=64, random_state=0).fit(X)
        np.testing.assert_array_equal(emb.transform(X), streamed.transform(X))
    assert streamed.loss_curve_ == emb.loss_curve_


def test_dilated_conv_setting_picks_the_path_with_the_same_result():
    encoder = DilatedConvEncoder(2, hidden_size=8, n_components=4, depth=2).double().eval()
    x = torch.randn(3, 30, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    with config_context(dilated_conv="library"):
        library = encoder(x)
    with config_context(dilated_conv="per_tap"):
        per_tap = encoder(x)
    torch.testing.assert_close(library, per_tap)
    assert skcontrast.encoders.dilated_conv._library_convs(torch.device("cpu")) is False
