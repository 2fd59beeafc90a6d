import json

import pytest

from litecoder_terminal.sandbox.docker import _BoundedBuffer, _context_tar
from litecoder_terminal.task.dockerfile import substitute_base_images
from litecoder_terminal.trial import parse_reward
from litecoder_terminal.trial import RewardError


def test_reward_json_preferred_and_flat(tmp_path):
    (tmp_path / "reward.txt").write_text("0\n")
    (tmp_path / "reward.json").write_text(json.dumps({"reward": 1, "check_a": 1, "check_b": 0.5}))
    assert parse_reward(tmp_path) == (1.0, {"reward": 1.0, "check_a": 1.0, "check_b": 0.5})


def test_reward_txt(tmp_path):
    (tmp_path / "reward.txt").write_text(" 0.25\n")
    assert parse_reward(tmp_path) == (0.25, {"reward": 0.25})


def test_reward_json_without_a_reward_key_is_the_mean_of_its_dimensions(tmp_path):
    (tmp_path / "reward.json").write_text(json.dumps({"stage_1": 1, "stage_2": 0}))
    assert parse_reward(tmp_path) == (0.5, {"stage_1": 1.0, "stage_2": 0.0})
    (tmp_path / "reward.json").write_text(json.dumps({"stage_1": 1, "stage_2": 1}))
    assert parse_reward(tmp_path)[0] == 1.0


@pytest.mark.parametrize("content", ['{"reward": "1"}', '{"reward": true}', "[1]", "{}", '{"a": 1, "b": 2}', "nan",
                                     '{"reward": NaN}'])
def test_bad_reward_json(tmp_path, content):
    (tmp_path / "reward.json").write_text(content)
    with pytest.raises(RewardError):
        parse_reward(tmp_path)


def test_missing_or_bad_reward_txt(tmp_path):
    with pytest.raises(RewardError, match="neither"):
        parse_reward(tmp_path)
    (tmp_path / "reward.txt").write_text("pass")
    with pytest.raises(RewardError):
        parse_reward(tmp_path)


def test_bounded_buffer_keeps_head_and_tail():
    buf = _BoundedBuffer(10)
    for i in range(100):
        buf.write(str(i % 10).encode())
    text = buf.text()
    assert text.startswith("01234") and text.endswith("56789") and "90 bytes dropped" in text


def test_image_map_rewrites_only_mapped_from_lines():
    df = "FROM python:3.11 AS build\nRUN echo FROM python:3.11\nFROM --platform=linux/amd64 python:3.11\nFROM x:1\n"
    out = substitute_base_images(df, {"python:3.11": "debian:bookworm-slim"})
    assert out == ("FROM debian:bookworm-slim AS build\nRUN echo FROM python:3.11\n"
                   "FROM --platform=linux/amd64 debian:bookworm-slim\nFROM x:1\n")


def test_context_tar_is_reproducible_and_mapped(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM a:1\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    raw1, h1 = _context_tar(tmp_path, {})
    raw2, h2 = _context_tar(tmp_path, {})
    assert raw1 == raw2 and h1 == h2
    _, h3 = _context_tar(tmp_path, {"a:1": "b:2"})
    assert h3 != h1
    assert (tmp_path / "Dockerfile").read_text() == "FROM a:1\n"  # the task dir is never touched
