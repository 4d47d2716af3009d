"""The stepper page in headless Chromium: every step clicked through, the numbers read off the page and checked
against PyTorch and the engine, the controls, hovering, collapsing, inline in a notebook, a big graph."""

from __future__ import annotations

import html
import json
import re
import time

import numpy as np
import pytest
from browser import chromium, console_errors, picture_stats
from test_viz_stepper import array, ours, theirs, truth_for

import tinygrad_edu as tg
from tinygrad_edu import engine, nn, viz

NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|-?inf"
READ_PANEL = """
    const panel = document.getElementById("tg-panel");
    const text = (element) => (element ? element.textContent : null);
    const values = (element) => text(element && element.querySelector(":scope > span > .values"));
    return {
      title: text(panel.querySelector("h2")),
      node: text(panel.querySelector('[data-field="node"]')),
      derivative: text(panel.querySelector('[data-field="derivative"]')),
      incoming: values(panel.querySelector('[data-field="incoming"]')),
      final: values(panel.querySelector('[data-field="final"]')),
      collapsed: text(panel.querySelector('[data-field="collapsed"]')),
      sent: [...panel.querySelectorAll('[data-field="sent"]')].map((item) => ({
        to: item.dataset.to, input: Number(item.dataset.input), values: values(item),
        sum: values(item.querySelector('[data-field="sum"]')),
        equation: text(item.querySelector('[data-field="equation"]')),
      })),
      current: [...document.querySelectorAll(".current")].map((g) => g.dataset.id),
      counter: document.getElementById("tg-counter").textContent,
      fills: Object.fromEntries([...document.querySelectorAll(".node")].map(
        (g) => [g.dataset.id, g.querySelector(".shape").style.fill])),
    };
"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def open_page(browser, stepper: viz.Stepper, path) -> None:
    stepper.save(path)
    browser.get(path.as_uri())
    console_errors(browser)  # start each page with an empty log


def click(browser, element_id: str) -> None:
    browser.find_element("id", element_id).click()


def shown_numbers(text: str, expected: np.ndarray) -> None:
    """A value block as displayed — the numbers in full (6 significant digits), or shape and statistics."""
    if text.startswith("(") or text.startswith("scalar"):
        stats = dict(re.findall(rf"(min|max|mean|rms) ({NUMBER})", text))
        shape = "scalar" if expected.ndim == 0 else "(" + ", ".join(map(str, expected.shape)) + ")"
        assert text.startswith(shape), (text, expected.shape)
        truth = {"min": expected.min(), "max": expected.max(), "mean": expected.mean(),
                 "rms": np.sqrt(np.mean(expected**2))}
        for key, value in truth.items():
            np.testing.assert_allclose(float(stats[key]), value, rtol=1e-5, atol=1e-12, err_msg=text)
        return
    numbers = [float(v) for v in re.findall(NUMBER, text)]
    np.testing.assert_allclose(numbers, expected.ravel(), rtol=1e-5, atol=1e-12, err_msg=text)
    assert text.count("[") == (expected.size > 0) * sum(int(np.prod(expected.shape[:k])) for k in range(expected.ndim))


def test_every_step_shows_the_engines_numbers_which_are_pytorchs(browser, tmp_path):
    values = [np.random.default_rng(3).standard_normal(shape) for shape in [(3, 2), (3, 1), (4, 2), (4,), (1, 4), (1,)]]
    torch_kept, torch_leaves = theirs(values)
    cost, kept, leaves = ours(values)
    order = engine.topological_order(cost)
    stepper = viz.stepper(cost)
    open_page(browser, stepper, tmp_path / "steps.html")
    carried = json.loads(browser.execute_script('return document.getElementById("tg-steps").textContent'))
    assert carried == stepper.steps
    n = len(stepper.steps)
    assert browser.execute_script(READ_PANEL)["counter"] == f"step 0 of {n}"
    for k, step in enumerate(stepper.steps, start=1):
        click(browser, "tg-next")
        shown = browser.execute_script(READ_PANEL)
        assert shown["title"] == f"Step {k} of {n}" and shown["current"] == [step["node"]]
        truth = truth_for(order, step["tensor"], kept, leaves, torch_kept, torch_leaves)
        shown_numbers(shown["incoming"], truth)
        if step["op"]:
            fn = order[int(step["node"][1:])]
            assert shown["node"].startswith(f"{type(fn).__name__} ({fn.name()})")
            assert shown["derivative"] == type(fn).local_derivative()
        else:
            shown_numbers(shown["final"], tensor_of_leaf(order, step).grad.data)
        assert [(s["to"], s["input"]) for s in shown["sent"]] == [(s["to"], s["input"]) for s in step["sent"]]
        for sent_shown, sent in zip(shown["sent"], step["sent"]):
            shown_numbers(sent_shown["values"], array(sent["grad"]))
            if sent["contributions"] > 1:
                shown_numbers(sent_shown["sum"], array(sent["running_sum"]))
            if sent["contribution"] == sent["contributions"]:  # the last gradient to arrive: the total is known
                total = array(sent["running_sum"]) if sent["running_sum"] else array(sent["grad"])
                np.testing.assert_allclose(total, truth_for(order, sent["to"], kept, leaves, torch_kept,
                                                            torch_leaves), rtol=1e-12, atol=1e-14)
        assert shown["fills"][step["tensor"]] == hex_to_rgb(step["fill"])  # coloured once its gradient is complete
        if k == n // 2:
            stats = picture_stats(browser, browser.get_screenshot_as_png())
            assert stats["drawn"] > 0.02 and stats["colours"] > 20  # not a blank page
    assert console_errors(browser) == []


def tensor_of_leaf(order, step):
    return order[int(step["tensor"][1:])]


def hex_to_rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def small_network():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    with viz.keep_intermediates():
        loss = nn.MSELoss()(model(tg.randn(4, 2)), tg.randn(4, 1))
    return model, loss


def test_controls_keyboard_and_play(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    model, loss = small_network()
    stepper = viz.stepper(loss, params=model)
    n = len(stepper.steps)
    open_page(browser, stepper, tmp_path / "controls.html")

    def counter() -> str:
        return browser.find_element("id", "tg-counter").text

    def press(key) -> None:
        ActionChains(browser).send_keys(key).perform()

    click(browser, "tg-last")
    assert counter() == f"step {n} of {n}"
    click(browser, "tg-prev")
    assert counter() == f"step {n - 1} of {n}"
    click(browser, "tg-first")
    assert counter() == f"step 0 of {n}"
    press(Keys.ARROW_RIGHT)
    press(Keys.ARROW_RIGHT)
    assert counter() == f"step 2 of {n}"
    press(Keys.END)
    assert counter() == f"step {n} of {n}"
    press(Keys.ARROW_LEFT)
    assert counter() == f"step {n - 1} of {n}"
    press(Keys.HOME)
    assert counter() == f"step 0 of {n}"
    click(browser, "tg-next")  # stepping past either end stays at the end
    click(browser, "tg-prev")
    click(browser, "tg-prev")
    assert counter() == f"step 0 of {n}"
    click(browser, "tg-play")
    time.sleep(2.2)  # a step every 0.9 s
    click(browser, "tg-play")  # pause
    played = int(counter().split()[1])
    assert 1 <= played <= 3
    time.sleep(1.2)
    assert int(counter().split()[1]) == played  # paused
    browser.execute_script('const s = document.getElementById("tg-slider"); s.value = 5;'
                           's.dispatchEvent(new Event("input"));')
    assert counter() == f"step 5 of {n}"
    assert console_errors(browser) == []


def test_hover_shows_the_forward_value_and_once_computed_the_gradient(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    model, loss = small_network()
    stepper = viz.stepper(loss, params=model)
    open_page(browser, stepper, tmp_path / "hover.html")
    graph = json.loads(browser.execute_script('return document.getElementById("tg-graph").textContent'))
    weight = next(n for n in graph["nodes"] if n.get("name") == "W¹ (0.weight)")
    node = browser.find_element("css selector", f'.node[data-id="{weight["id"]}"]')
    ActionChains(browser).move_to_element(node).perform()
    tooltip = browser.find_element("id", "tg-tooltip")
    assert tooltip.is_displayed() and "forward value:" in tooltip.text and "∂C/∂W¹" not in tooltip.text
    shown_numbers(tooltip.find_element("css selector", ".values").text, model[0].weight.data)
    click(browser, "tg-last")
    ActionChains(browser).move_to_element(browser.find_element("id", "tg-counter")).perform()
    ActionChains(browser).move_to_element(node).perform()
    assert "∂C/∂W¹ =" in tooltip.text
    shown_numbers(tooltip.find_elements("css selector", ".values")[1].text, model[0].weight.grad.data)
    assert console_errors(browser) == []


def test_module_boxes_collapse_and_expand(browser, tmp_path):
    model, loss = small_network()
    open_page(browser, viz.stepper(loss, params=model), tmp_path / "boxes.html")

    def drawn() -> set[str]:
        return set(browser.execute_script('return [...document.querySelectorAll(".node")].map(g => g.dataset.id)'))

    everything = drawn()
    label = browser.find_element("xpath", '//*[local-name()="text" and contains(., "0 (Linear)")]')
    label.click()
    collapsed = drawn()
    assert len(collapsed) == len(everything) - 6  # W¹, b¹, MatMul, its output, Add, z¹ now inside the box
    box = browser.find_element("css selector", ".box.collapsed")
    assert "0 (Linear)" in box.text
    click(browser, "tg-last")  # stepping on while collapsed: the box stands for its nodes
    browser.find_element("xpath", '//*[local-name()="text" and contains(., "0 (Linear)")]').click()
    assert drawn() == everything
    assert console_errors(browser) == []


def test_inline_in_a_notebook_each_page_keeps_to_its_own_frame(browser, tmp_path):
    model, loss = small_network()
    first = viz.stepper(loss, params=model)
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    second = viz.stepper((x * x).sum(), params={"x": x})
    notebook = tmp_path / "notebook.html"  # what Jupyter does with _repr_html_: the output in the page
    notebook.write_text(f"<html><body><h1>cell 1</h1>{first._repr_html_()}<h1>cell 2</h1>{second._repr_html_()}"
                        "</body></html>", encoding="utf-8")
    browser.get(notebook.as_uri())
    frames = browser.find_elements("tag name", "iframe")
    assert len(frames) == 2
    browser.switch_to.frame(frames[0])
    click(browser, "tg-next")
    assert browser.find_element("id", "tg-counter").text == f"step 1 of {len(first)}"
    browser.switch_to.default_content()
    browser.switch_to.frame(frames[1])
    assert browser.find_element("id", "tg-counter").text == f"step 0 of {len(second)}"
    browser.switch_to.default_content()
    assert console_errors(browser) == []
    assert html.unescape(frames[0].get_attribute("srcdoc")) == first.html()


def test_a_big_graph_stays_usable(browser, tmp_path):
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for _ in range(5_000):
        y = (y * 1.0001).tanh()
    stepper = viz.stepper(y.sum(), max_nodes=60)
    start = time.perf_counter()
    open_page(browser, stepper, tmp_path / "big.html")
    assert len(browser.find_elements("css selector", ".node")) <= 60
    assert time.perf_counter() - start < 10
    collapsed = next(k for k, step in enumerate(stepper.steps, start=1) if step["collapsed"])
    browser.execute_script(f'const s = document.getElementById("tg-slider"); s.value = {collapsed};'
                           's.dispatchEvent(new Event("input"));')
    shown = browser.execute_script(READ_PANEL)
    assert re.match(r"\d+ steps inside the collapsed part: (Tanh|Mul) ×\d+", shown["collapsed"])
    assert shown["current"] == ["s0"]
    assert console_errors(browser) == []
