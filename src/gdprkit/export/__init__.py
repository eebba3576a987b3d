"""Access and portability exports: the Art. 15 access report and the Art. 20 package.

A host application hands over, per data subject, named :class:`Dataset` values (iterables of
records, each tied to a register purpose) and optional :class:`Attachment` files.  From them and
the register gdprkit builds

* the **access report** (Art. 15): the data plus the supplementary information of Art. 15(1)(a)-(h)
  and 15(2), drawn from the register, as versioned JSON and as a self-contained HTML page;
* the **portability package** (Art. 20): a deterministic ZIP of JSON Lines and CSV files with a
  manifest of checksums, limited to the legal scope of Art. 20, written in one streaming pass and
  atomically; :func:`read_package` verifies one and reads it back.

Example:
    >>> from gdprkit.export import Dataset, portability_exclusion
    >>> Dataset("orders", "order_fulfilment", []).purpose
    'order_fulfilment'
"""

from __future__ import annotations

from gdprkit.export._html import render_html
from gdprkit.export._model import (
    Attachment,
    Dataset,
    ExclusionReason,
    Redactor,
    portability_exclusion,
)
from gdprkit.export._package import MANIFEST_NAME, PACKAGE_FORMAT, PACKAGE_VERSION, write_package
from gdprkit.export._reader import (
    DEFAULT_MAX_RATIO,
    DEFAULT_MAX_SIZE,
    PortabilityPackage,
    read_package,
)
from gdprkit.export._report import (
    REPORT_FORMAT,
    REPORT_VERSION,
    AccessReport,
    AttachmentCopy,
    DatasetCopy,
    PurposeInformation,
    build_access_report,
)

__all__ = [
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MAX_SIZE",
    "MANIFEST_NAME",
    "PACKAGE_FORMAT",
    "PACKAGE_VERSION",
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "AccessReport",
    "Attachment",
    "AttachmentCopy",
    "Dataset",
    "DatasetCopy",
    "ExclusionReason",
    "PortabilityPackage",
    "PurposeInformation",
    "Redactor",
    "build_access_report",
    "portability_exclusion",
    "read_package",
    "render_html",
    "write_package",
]
