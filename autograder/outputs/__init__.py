"""The finished output folder and what the TA opens: its layout and records, the gradebook CSV, results JSON, terminal tables; student text made inert."""
