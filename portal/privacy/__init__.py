"""Personal data: the privacy notice, downloading one's data, deleting one's account."""
