print("husk: not built yet")
