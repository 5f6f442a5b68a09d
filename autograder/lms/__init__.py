"""What the TA takes from and gives to an LMS: its downloads turned into folders to grade."""
