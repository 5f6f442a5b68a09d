"""What arrives to be graded, read without running anything: notebooks, the export cell's zips, size and zip limits."""
