"""What the TA takes from and gives to an LMS: Canvas downloads and gradebook imports, Gradescope exports."""
