import hello_app

print(hello_app.greeting())
print("version:", hello_app.version())
print("loader:", type(hello_app.__loader__).__module__)
print("file:", hello_app.__file__)
