# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""Status → exception mapping, and Config through the library's loader."""

import pytest

import streamgate
from streamgate import StatusCode


def test_every_code_maps_to_its_class_with_code_and_message():
    cases = {
        StatusCode.NOT_FOUND: (streamgate.NotFoundError, LookupError),
        StatusCode.INVALID_ARGUMENT: (streamgate.InvalidArgumentError, ValueError),
        StatusCode.PERMISSION_DENIED: (streamgate.PermissionDeniedError, streamgate.Error),
        StatusCode.UNAUTHENTICATED: (streamgate.UnauthenticatedError, streamgate.Error),
        StatusCode.UNIMPLEMENTED: (streamgate.UnimplementedError, NotImplementedError),
        StatusCode.DATA_LOSS: (streamgate.DataLossError, streamgate.Error),
    }
    for code, (cls, base) in cases.items():
        with pytest.raises(cls) as info:
            streamgate._streamgate._raise_status(int(code), f"message for {code.name}")
        assert isinstance(info.value, base)
        assert info.value.code == code
        assert info.value.message == f"message for {code.name}"
        assert str(info.value) == f"{code.name}: message for {code.name}"
    assert streamgate.error_class(StatusCode.ABORTED) is streamgate.AbortedError


def test_real_call_raises_not_found_with_the_cpp_message(tmp_path):
    with streamgate.MetadataStore(str(tmp_path / "metadata.db")) as store:
        with pytest.raises(streamgate.NotFoundError) as info:
            store.get("no-such-item")
    assert info.value.code == StatusCode.NOT_FOUND
    assert info.value.message == "no content item with this id"


def test_config_from_dict_goes_through_the_loader(tmp_path):
    config = streamgate.load_config({
        "data_dir": str(tmp_path),
        "server": {"host": "127.0.0.1", "port": 0},
        "transcode": {"ladder": "360:800"},
    })
    assert config.data_dir == str(tmp_path)
    assert config.server_port == 0 and config.server_host == "127.0.0.1"
    as_dict = config.to_dict()
    assert as_dict["server"]["port"] == 0
    assert as_dict["transcode"]["ladder"] == "360:800"
    # Defaults stay defaults.
    assert as_dict["cache"]["backend"] == "lru"


def test_config_unknown_key_and_bad_value_raise_naming_the_key():
    with pytest.raises(streamgate.InvalidArgumentError) as info:
        streamgate.load_config({"server": {"prot": 1}})
    assert "server.prot" in info.value.message
    with pytest.raises(streamgate.InvalidArgumentError) as info:
        streamgate.load_config({"server": {"port": "eighty"}})
    assert "server.port" in info.value.message


def test_config_environment_and_flags_layer_on_top():
    config = streamgate.load_config({"server": {"port": 1000}},
                                    environment={"STREAMGATE_SERVER_PORT": "2000"})
    assert config.server_port == 2000
    config = streamgate.load_config({"server": {"port": 1000}}, args=["--server.port=3000"],
                                    environment={"STREAMGATE_SERVER_PORT": "2000"})
    assert config.server_port == 3000
    keys = {k.key: k for k in streamgate.config_keys()}
    assert keys["server.port"].env == "STREAMGATE_SERVER_PORT"
