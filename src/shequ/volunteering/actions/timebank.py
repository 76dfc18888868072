"""Time-bank writes (being built by the time-bank feature). ``credit_hours`` is what the activities
feature calls when the organiser confirms a volunteer's hours."""
