"""A demo shop on gdprkit's embedded defaults: the README's first command runs this.

It walks "Dyqani Online", the example shop of ``examples/register.toml``, through what its
privacy policy promises: the register and its check, the rights each purpose gives.  It writes
only under a temporary directory (or ``--out DIR``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from gdprkit.law import rights_for
from gdprkit.register import load_register

HERE = Path(__file__).resolve().parent


def section(title: str) -> None:
    """Print a section heading."""
    print(f"\n== {title} ==")


def show_register(register_path: Path) -> None:
    """Load the register, lint it and print each purpose with its basis and rights."""
    register = load_register(register_path)
    section(f"Register of {register.controller.name} ({len(register)} purposes)")
    for purpose in register:
        rights = rights_for(
            purpose.basis, automated=purpose.automated, direct_marketing=purpose.direct_marketing
        )
        retention = purpose.retention.description if purpose.retention else "-"
        print(f"- {purpose.id:<24} {purpose.basis.article:<13} keeps: {retention}")
        print(f"  {'':<24} rights: {', '.join(sorted(r.value for r in rights))}")
    findings = register.lint()
    print(f"lint: {len(findings)} finding(s)")
    for finding in findings:
        print(f"  {finding}")


def main(argv: list[str] | None = None) -> int:
    """Run the demo; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--register", type=Path, default=HERE / "register.toml")
    parser.add_argument("--out", type=Path, default=None, help="keep the artefacts in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gdprkit-demo-") as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        show_register(args.register)
    return 0


if __name__ == "__main__":
    sys.exit(main())
