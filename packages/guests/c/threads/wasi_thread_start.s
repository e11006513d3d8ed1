# wasi-threads entry: the host calls the export wasi_thread_start(tid, start_arg)
# in a fresh instance, whose __stack_pointer still holds the module's initial
# value (the main thread's stack). Before any C code runs, point it at this
# thread's stack (the first word of start_arg, see struct start in
# wasi_threads.c), then call thread_entry(tid, start_arg).
	.text
	.globaltype __stack_pointer, i32
	.functype thread_entry (i32, i32) -> ()
	.export_name wasi_thread_start, wasi_thread_start
	.globl wasi_thread_start
	.type wasi_thread_start,@function
wasi_thread_start:
	.functype wasi_thread_start (i32, i32) -> ()
	local.get 1
	i32.load 0
	global.set __stack_pointer
	local.get 0
	local.get 1
	call thread_entry
	end_function
