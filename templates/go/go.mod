module nlink-node

go 1.24
