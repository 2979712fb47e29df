// Test fixture: a scenario module that throws on import.
throw new Error("this scenario module fails on import");
