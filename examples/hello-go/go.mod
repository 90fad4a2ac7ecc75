module nlink-community.wasm_demo

go 1.24
