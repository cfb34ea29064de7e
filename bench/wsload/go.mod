module wsging.org/bench/wsload

go 1.22
