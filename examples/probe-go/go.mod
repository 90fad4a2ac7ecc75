module nlink-community.sandbox_probe

go 1.24
