huskEntry()
