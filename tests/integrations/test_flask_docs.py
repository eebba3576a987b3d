"""The Flask tutorial's ```python blocks are verbatim excerpts of the example shop.

The shop runs end to end in test_flask_example.py, so this keeps the page's code tested.
Illustrations of code that is not in the shop (flask-login) are fenced as ```py instead.
"""

from __future__ import annotations

import re

from _flask_support import REPO

PAGE = REPO / "docs" / "tutorials" / "flask-shop.md"
SHOP = REPO / "examples" / "flask_shop" / "shop.py"


def test_tutorial_code_is_the_example_shop_code() -> None:
    page = PAGE.read_text(encoding="utf-8")
    shop = SHOP.read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```$", page, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 8
    for block in blocks:
        assert block in shop, f"not in examples/flask_shop/shop.py:\n{block}"


def test_reference_page_documents_every_setting() -> None:
    source = "".join(
        p.read_text(encoding="utf-8")
        for p in (REPO / "src" / "gdprkit" / "integrations" / "flask").glob("*.py")
    )
    used = set(re.findall(r'_setting\(config, "([A-Z_]+)"', source))
    documented = set(re.findall(r"``GDPRKIT_([A-Z_]+)``", source))
    assert used
    assert used <= documented, used - documented
