"""The pictures in docs/images are made by this file from the examples, and what docs/visualization.md says about
them is true.

    python tests/test_docs_pictures.py     # regenerate docs/images (needs Graphviz's dot, Chromium and selenium)

The tests make them again in a temporary directory and compare: DOT text exactly, SVG by its texts, the stepper
page by its data, screenshots by size and content; then they check the page's claims against the pictures.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from browser import chromium, console_errors, picture_stats
from examples_runner import ROOT, run_example
from optional_tools import require_executable
from test_viz_drawing import parse

from tinygrad_edu import ops

IMAGES = ROOT / "docs" / "images"
DOC = ROOT / "docs" / "visualization.md"
PICTURES = ("forward", "backward", "collapsed")
SCREENSHOTS = {  # screenshot → (page, how to find the step it shows)
    "stepper_seed.png": ("seed_network.html", lambda step: step["op"] and step["module"] == "4 (Linear)"
                         and any("(6)" in s["equation"] for s in step["sent"])),
    "stepper_sum.png": ("reused_value.html", lambda step: any(s["contributions"] == 3 == s["contribution"]
                                                             for s in step["sent"])),
}
KEPT = ("reused_value.html",)  # of the pages and text made, those the docs link to (the seed network's is large)
WINDOW = (1280, 720)


def make_pictures(out: Path) -> None:
    """Run the examples into ``out`` and screenshot their stepper pages in headless Chromium."""
    require_executable("dot", "apt-get install graphviz (the docs' pictures are SVG rendered by dot)")
    run_example("draw_graph.py", "--out", str(out), fast=False)
    (out / "narration.txt").write_text(run_example("step_through.py", "--out", str(out), fast=False))
    with chromium(*WINDOW) as browser:
        for name, (page, shows) in SCREENSHOTS.items():
            browser.get((out / page).as_uri())
            steps = json.loads(browser.execute_script('return document.getElementById("tg-steps").textContent'))
            step = next(k for k, step in enumerate(steps, start=1) if shows(step))
            for _ in range(step):
                browser.find_element("id", "tg-next").click()
            (out / name).write_bytes(browser.get_screenshot_as_png())
            assert console_errors(browser) == []


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pictures")
    make_pictures(out)
    return out


def svg_texts(path: Path) -> list[str]:
    return [el.text for el in ET.parse(path).iter("{http://www.w3.org/2000/svg}text") if el.text]


def page_data(path: Path, element: str) -> object:
    page = path.read_text(encoding="utf-8")
    return json.loads(re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', page, re.S)[1])


def test_the_pictures_are_the_examples_output(made):
    for name in PICTURES:
        assert (made / f"{name}.dot").read_text() == (IMAGES / f"{name}.dot").read_text(), (
            f"docs/images/{name}.dot is out of date: run python tests/test_docs_pictures.py")
        assert svg_texts(made / f"{name}.svg") == svg_texts(IMAGES / f"{name}.svg"), name
    for page in KEPT:
        assert page_data(made / page, "tg-graph") == page_data(IMAGES / page, "tg-graph")
        _assert_same_numbers(page_data(made / page, "tg-steps"), page_data(IMAGES / page, "tg-steps"))


def test_the_screenshots_come_from_the_browser(made):
    with chromium(*WINDOW) as browser:
        for name in SCREENSHOTS:
            fresh, kept = ((made / name).read_bytes(), (IMAGES / name).read_bytes())
            new, old = picture_stats(browser, fresh), picture_stats(browser, kept)
            assert (new["width"], new["height"]) == (old["width"], old["height"]) and new["width"] == WINDOW[0]
            assert old["drawn"] > 0.03 and old["colours"] > 50  # a real picture, not a blank page
            assert abs(new["drawn"] - old["drawn"]) < 0.02, (name, "differs: run python tests/test_docs_pictures.py")


def _assert_same_numbers(made: object, kept: object) -> None:
    """Equal JSON, numbers to 1e-9 relative (the last bits of a float may differ between CPUs' libm)."""
    if isinstance(made, dict):
        assert made.keys() == kept.keys()
        for key in made:
            _assert_same_numbers(made[key], kept[key])
    elif isinstance(made, list):
        assert len(made) == len(kept)
        for a, b in zip(made, kept):
            _assert_same_numbers(a, b)
    elif isinstance(made, float):
        np.testing.assert_allclose(made, kept, rtol=1e-9, atol=1e-15)
    else:
        assert made == kept


# ----------------------------------------------------------------------------------------------- the text's claims
def _boxes_and_ops(dot: str) -> dict[str, list[str]]:
    """Module box label → the op classes drawn directly inside it, from DOT text (in the order drawn)."""
    nodes, _, boxes = parse(SimpleNamespace(source=dot))
    found: dict[str, list[str]] = {}
    for node, attrs in nodes.items():
        if node.startswith("o"):
            found.setdefault(boxes[node][-1] if boxes[node] else "", []).append(attrs["label"].split("\\n")[0])
    return found


def test_the_table_of_what_each_module_records_is_the_pictures():
    table = re.findall(r"^\| `([^`]+)` \| ((?:`\w+`(?:, )?)+) \|$", DOC.read_text(encoding="utf-8"), re.M)
    assert len(table) >= 4
    drawn = _boxes_and_ops((IMAGES / "forward.dot").read_text())
    for box, listed in table:
        assert re.findall(r"`(\w+)`", listed) == drawn[box][::-1], box  # drawn root first; listed as computed


def test_the_quoted_local_derivatives_are_the_ops_own_and_in_the_picture():
    quoted = re.findall(r"^\| `(\w+)` \| `([^`]+)` \|$", DOC.read_text(encoding="utf-8"), re.M)
    assert len(quoted) >= 4
    backward = " ".join(svg_texts(IMAGES / "backward.svg"))
    for op, text in quoted:
        assert getattr(ops, op).local_derivative() == text
        assert text in backward


def test_the_collapsed_picture_keeps_the_boxes_the_text_names():
    text = DOC.read_text(encoding="utf-8")
    named = re.search(r"collapsed with `max_nodes=40`:\s(.*?),\sand a note", text, re.S)[1]
    dot = (IMAGES / "collapsed.dot").read_text()
    for label in re.findall(r"`([^`]+)`", named):
        assert re.search(rf'label="?{re.escape(label)}"?[ \]]', dot), label
    assert "more ops" in dot


def test_the_screenshot_captions_say_what_the_page_shows_at_that_step(made):
    text = DOC.read_text(encoding="utf-8")
    for name, (page, shows) in SCREENSHOTS.items():
        caption = re.search(rf"!\[([^\]]*)\]\(images/{re.escape(name)}\)", text)[1]
        steps = page_data(made / page, "tg-steps")
        k = next(k for k, step in enumerate(steps, start=1) if shows(step))
        step = steps[k - 1]
        assert f"step {k} of {len(steps)}" in caption
        assert f"`{step['op']}`" in caption
        for symbol in re.findall(r"∂C/∂(\S+?)[ ,)]", caption):
            assert any(s["to_name"] == symbol for s in step["sent"]), (symbol, caption)


if __name__ == "__main__":
    make_pictures(IMAGES)
    for made in [*IMAGES.glob("*.html"), IMAGES / "narration.txt"]:
        if made.name not in KEPT:
            made.unlink()
    print(f"wrote {sorted(p.name for p in IMAGES.iterdir())}", file=sys.stderr)


def test_the_quoted_narration_is_what_the_example_prints(made):
    """The indented lines after "the step of layer 3's matrix product reads" (``…`` elides numbers)."""
    text = DOC.read_text(encoding="utf-8")
    quoted = re.search(r"matrix product reads\n\n((?:    .*\n)+)", text)[1].splitlines()
    printed = (made / "narration.txt").read_text(encoding="utf-8").splitlines()
    assert len(quoted) == 3
    for line in quoted:
        pattern = ".*?".join(map(re.escape, line.strip().split("…")))
        assert any(re.fullmatch(pattern, p.strip()) for p in printed), line
