"""Static status page: turns the status document into one self-contained index.html."""
