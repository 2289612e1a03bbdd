"""caseseries: reproducible notebooks for oncology case series.

The package is imported by notebooks and the CLI; heavy libraries (pandas,
seaborn, papermill) are imported only by the modules that need them.
"""

from .load import CaseFileError, find_case, load_case, load_cases
from .model import Case

__all__ = ["Case", "CaseFileError", "find_case", "load_case", "load_cases"]
__version__ = "0.1.0"
