"""The class report a TA reads: `cnngrade report` from a finished output folder (HTML pages, plots)."""
