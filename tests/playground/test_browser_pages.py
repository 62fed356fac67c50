"""The landing page in a real browser: the views it leads to, and no JavaScript error."""

from __future__ import annotations

from typing import Any


def test_the_landing_page_leads_to_the_expression_view(page_at: Any) -> None:
    page = page_at("/")
    assert page.title() == "chainrule playground"
    cards = page.locator("ul.cards > li")
    assert cards.count() == 3
    page.click("#card-expression a")
    page.wait_for_url("**/expression?lang=en")
    assert page.locator("#nav-expression").get_attribute("aria-current") == "page"
