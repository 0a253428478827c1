partsEntry()
