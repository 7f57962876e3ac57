"""Pages for raising, finding, supporting, discussing and moderating issues, by subject."""
