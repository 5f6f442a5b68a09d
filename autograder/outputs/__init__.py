"""What the TA sees and opens: the gradebook and other CSVs, results JSON, terminal text; made inert here."""
