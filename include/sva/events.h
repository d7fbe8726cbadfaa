/* SPDX-License-Identifier: MIT */
/*
 * Every event the layers emit, declared once (the kernel's include/trace/events/): its kind,
 * its name in the trace, the named track it is drawn on (NONE: the emitting actor's own), its
 * phase on that track (BEGIN/END draw a lifetime) and its fields, each (format, name), in the
 * order they are passed and printed. The format (SVA_EV_FORMATS below) says what the value is
 * and so how every printer shows it - the text timeline, the Chrome/Perfetto args, the SVG's
 * tooltips, the tool's summaries all go through sva_trace_format() - : str a string, num a
 * decimal number (PASIDs, pids, ids, counts), hex an address, err a negative errno ("-EFAULT"),
 * and the named codes (a DSA opcode "MEMMOVE", a DSA status "PAGE_FAULT_NOBOF", a page
 * response "INVALID", ...). A value is stored as it is; only its text depends on the format.
 *
 * sva/base.h generates from this table, for each kind K:
 *   - SVA_EV_K, the kind the trace records and subscribers switch on;
 *   - sva_trace(w, K, [track id,] fields...), which takes exactly K's fields with their types
 *     (a missing, extra or mistyped field, or a kind that does not exist, is a compile error);
 *   - sva_ev_num(ev, K, field) / sva_ev_str(ev, K, field), a subscriber's typed read of a field
 *     by its index in the table (a field K does not have, or of the other type, does not
 *     compile).
 * Renaming or removing an event therefore breaks the build of every emitter and every judge of
 * it; no invariant can silently stop being checked. The names and fields are the text, JSON and
 * SVG exports' (tests/golden/ holds timelines): change them knowingly.
 *
 * At most SVA_TRACE_MAX_FIELDS fields an event (checked at compile time).
 */
#ifndef SVA_EVENTS_H
#define SVA_EVENTS_H

/* clang-format off */
#define SVA_EVENTS(EV)										\
	/* base */										\
	/* a problem the world detected: its kind and its message ("I3 isolation: ...") */	\
	EV(REPORT, "report", NONE, INSTANT, (str, kind), (str, message))			\
	/* sync */										\
	EV(ACTOR_SPAWN, "actor.spawn", NONE, INSTANT, (num, actor))				\
	EV(ACTOR_EXIT, "actor.exit", NONE, INSTANT, (err, ret))					\
	EV(ACTOR_KILL, "actor.kill", NONE, INSTANT, (num, actor))				\
	EV(WORK_RUN, "work.run", NONE, INSTANT, (str, wq), (num, seq))				\
	/* mm */										\
	EV(MM_CREATE, "mm", mm, BEGIN, (str, name))						\
	EV(MM_FREE, "mm", mm, END)								\
	EV(MM_DUP, "mm.dup", NONE, INSTANT, (num, parent), (num, child))			\
	EV(MM_EXIT_MMAP, "mm.exit_mmap", NONE, INSTANT, (num, mm))				\
	EV(MM_MMDROP, "mm.mmdrop", NONE, INSTANT, (num, mm))					\
	EV(MM_MMAP, "mm.mmap", NONE, INSTANT, (num, mm), (hex, start), (hex, len),		\
	   (prot, prot))									\
	EV(MM_MUNMAP, "mm.munmap", NONE, INSTANT, (num, mm), (hex, start), (hex, len))		\
	EV(MM_MPROTECT, "mm.mprotect", NONE, INSTANT, (num, mm), (hex, start), (hex, len),	\
	   (prot, prot))									\
	EV(MM_COW_BREAK, "mm.cow_break", NONE, INSTANT, (num, mm), (hex, addr))			\
	EV(MM_FAULT, "mm.fault", NONE, INSTANT, (num, mm), (hex, addr), (fault_flags, flags),	\
	   (err, err))										\
	EV(MM_RECLAIM, "mm.reclaim", NONE, INSTANT, (num, pages))				\
	EV(MM_SWAP_WRITEOUT, "mm.swap_writeout", NONE, INSTANT, (num, mm), (hex, addr),		\
	   (hex, frame))									\
	EV(MM_SWAP_IN, "mm.swap_in", NONE, INSTANT, (num, mm), (hex, addr), (hex, frame))	\
	EV(MM_INVALIDATE, "mm.invalidate", NONE, INSTANT, (num, mm), (hex, start), (hex, end))	\
	EV(MMU_NOTIFIER_REGISTER, "mmu_notifier.register", NONE, INSTANT, (num, mm))		\
	EV(MMU_NOTIFIER_UNREGISTER, "mmu_notifier.unregister", NONE, INSTANT, (num, mm))	\
	EV(MMU_NOTIFIER_RELEASE, "mmu_notifier.release", NONE, INSTANT, (num, mm))		\
	EV(MMU_NOTIFIER_PUT, "mmu_notifier.put", NONE, INSTANT, (num, mm))			\
	/* fs */										\
	EV(FILE_OPEN, "file.open", NONE, INSTANT, (str, file))					\
	EV(FILE_RELEASE, "file.release", NONE, INSTANT, (str, file))				\
	/* proc */										\
	EV(PROCESS_START, "process", process, BEGIN, (str, name), (num, mm))			\
	EV(PROCESS_REAP, "process", process, END)						\
	EV(PROCESS_FORK, "process.fork", NONE, INSTANT, (num, parent), (num, child))		\
	EV(PROCESS_EXEC, "process.exec", NONE, INSTANT, (num, pid), (num, mm))			\
	EV(PROCESS_KILL, "process.kill", NONE, INSTANT, (num, pid))				\
	EV(TASK_EXIT, "task.exit", NONE, INSTANT, (num, pid), (num, tid), (num, code))		\
	/* a task that died of a fatal signal: its signal, not an exit code */			\
	EV(TASK_EXIT_KILLED, "task.exit", NONE, INSTANT, (num, pid), (num, tid),		\
	   (signo, signal))									\
	/* iommu */										\
	EV(DEVICE_ADD, "device", device, BEGIN, (str, name), (num, max_pasids), (num, group))	\
	EV(DEVICE_REMOVE, "device", device, END)						\
	EV(IOMMU_ATTACH, "iommu.attach", NONE, INSTANT, (str, device), (num, pasid),		\
	   (num, domain))									\
	EV(IOMMU_DETACH, "iommu.detach", NONE, INSTANT, (str, device), (num, pasid),		\
	   (num, domain))									\
	EV(PASID_ALLOC, "pasid", pasid, BEGIN, (num, mm), (owner_gen, gen))				\
	EV(PASID_FREE, "pasid", pasid, END, (num, mm), (owner_gen, gen))				\
	EV(PASID_ALLOC_PRIVATE, "pasid.alloc_private", NONE, INSTANT, (num, pasid),		\
	   (str, device), (owner_gen, gen))								\
	EV(PASID_FREE_PRIVATE, "pasid.free_private", NONE, INSTANT, (num, pasid))		\
	EV(SVA_BIND, "sva.bind", NONE, INSTANT, (str, device), (num, mm), (num, pasid),		\
	   (num, users))									\
	EV(SVA_UNBIND, "sva.unbind", NONE, INSTANT, (str, device), (num, mm), (num, pasid),	\
	   (num, last))										\
	EV(IOPF_REPORT, "iopf.report", NONE, INSTANT, (str, device), (num, pasid),		\
	   (num, grpid), (num, last), (owner_gen, gen))						\
	EV(IOPF_HANDLE, "iopf.handle", NONE, INSTANT, (num, mm), (hex, addr), (num, pasid),	\
	   (owner_gen, gen))										\
	EV(IOPF_RESPONSE, "iopf.response", NONE, INSTANT, (str, device), (num, pasid),		\
	   (num, grpid), (page_resp, code), (owner_gen, gen))						\
	/* the software IOMMU */								\
	EV(SWIOMMU_CREATE, "swiommu.create", NONE, INSTANT, (str, name), (num, sets),		\
	   (num, ways))										\
	EV(SWIOMMU_PASID_ENTRY, "swiommu.pasid_entry", NONE, INSTANT, (str, device),		\
	   (num, pasid), (pasid_state, state), (num, mm), (owner_gen, gen))				\
	EV(SWIOMMU_RELEASE, "swiommu.release", NONE, INSTANT, (str, device), (num, pasid),	\
	   (num, mm))										\
	EV(SWIOMMU_FAULT, "swiommu.fault", NONE, INSTANT, (str, device), (num, pasid),		\
	   (hex, addr), (fault_reason, reason))							\
	EV(SWIOMMU_FAULT_SILENCED, "swiommu.fault_silenced", NONE, INSTANT, (str, device),	\
	   (num, pasid), (hex, addr))								\
	EV(SWIOMMU_PRQ_REQUEST, "swiommu.prq_request", NONE, INSTANT, (str, device),		\
	   (num, pasid), (num, grpid), (num, domain), (owner_gen, gen))				\
	EV(SWIOMMU_PRQ_OVERFLOW, "swiommu.prq_overflow", NONE, INSTANT, (str, device),		\
	   (num, pasid), (num, grpid), (num, dropped))						\
	EV(SWIOMMU_PRQ_REFUSED, "swiommu.prq_refused", NONE, INSTANT, (str, device),		\
	   (num, pasid), (num, grpid), (pasid_state, state))					\
	EV(SWIOMMU_PRQ_STOP_MARKER, "swiommu.prq_stop_marker", NONE, INSTANT, (str, device),	\
	   (num, pasid))									\
	EV(SWIOMMU_PRQ_REOPEN, "swiommu.prq_reopen", NONE, INSTANT, (str, iommu))		\
	EV(SWIOMMU_PRQ_DRAIN, "swiommu.prq_drain", NONE, INSTANT, (str, iommu),			\
	   (num, pending))									\
	EV(SWIOMMU_PRI_REQUEST, "swiommu.pri_request", NONE, INSTANT, (str, device),		\
	   (num, pasid), (num, grpid), (num, pages))						\
	EV(SWIOMMU_PRI_RESPONSE, "swiommu.pri_response", NONE, INSTANT, (str, device),		\
	   (num, pasid), (num, grpid), (page_resp, code))					\
	EV(SWIOMMU_PRI_UNMATCHED, "swiommu.pri_unmatched", NONE, INSTANT, (str, device),	\
	   (num, pasid), (num, grpid), (page_resp, code))					\
	EV(SWIOMMU_PRI_RESET, "swiommu.pri_reset", NONE, INSTANT, (str, device))		\
	EV(DMA_ACCESS, "dma.access", NONE, INSTANT, (str, device), (num, pasid), (hex, addr),	\
	   (hex, frame), (num, write), (owner_gen, gen))						\
	/* the embedder's first-stage tables (embed.c): set (set 1) or cleared (set 0), a change	\
	   the embedder announced, an invalidation done (its wait for DMA included), an access	\
	   to the embedder's memory (gpa: the guest-physical address reached) */		\
	EV(SWIOMMU_EMBED_TABLE, "swiommu.embed_table", NONE, INSTANT, (str, device),		\
	   (num, pasid), (hex, root), (num, set), (owner_gen, gen))					\
	EV(SWIOMMU_EMBED_CHANGE, "swiommu.embed_change", NONE, INSTANT, (str, device),		\
	   (num, pasid), (hex, start), (hex, end))						\
	EV(SWIOMMU_EMBED_INVALIDATE, "swiommu.embed_invalidate", NONE, INSTANT, (str, device),	\
	   (num, pasid), (hex, start), (hex, end))						\
	EV(DMA_ACCESS_GUEST, "dma.access_guest", NONE, INSTANT, (str, device), (num, pasid),	\
	   (hex, addr), (hex, gpa), (num, write))						\
	/* uacce */										\
	EV(UACCE_OPEN, "uacce.open", NONE, INSTANT, (str, device), (num, pasid))		\
	EV(UACCE_RELEASE, "uacce.release", NONE, INSTANT, (str, device), (num, pasid))		\
	EV(UACCE_REMOVE, "uacce.remove", NONE, INSTANT, (str, device))				\
	/* the accelerator */									\
	EV(ACCEL_CREATE, "accel.create", NONE, INSTANT, (str, name), (num, wqs),		\
	   (num, engines))									\
	EV(ACCEL_DESTROY, "accel.destroy", NONE, INSTANT, (str, name))				\
	EV(ACCEL_OPEN, "accel.open", NONE, INSTANT, (str, wq), (num, pasid))			\
	EV(ACCEL_CLOSE, "accel.close", NONE, INSTANT, (str, wq), (num, pasid))			\
	EV(ACCEL_ENQCMD_GP, "accel.enqcmd_gp", NONE, INSTANT, (num, tid))			\
	/* a task's ENQCMD, with the PASID its IA32_PASID register gave the descriptor */	\
	EV(ACCEL_ENQCMD, "accel.enqcmd", pasid, INSTANT, (num, tid), (num, mm))			\
	EV(ACCEL_PASID_MSR_LOAD, "accel.pasid_msr_load", pasid, INSTANT, (num, tid),		\
	   (num, pasid))									\
	/* a descriptor's life: desc is its id, the device's and its number at submission */	\
	EV(ACCEL_SUBMIT, "accel.submit", pasid, INSTANT, (str, wq), (num, pasid),		\
	   (dsa_op, opcode), (owner_gen, gen), (num, mm), (desc, desc))				\
	EV(ACCEL_START, "accel.start", pasid, INSTANT, (num, engine), (num, pasid),		\
	   (dsa_op, opcode), (num, size), (desc, desc))						\
	EV(ACCEL_COMPLETE, "accel.complete", pasid, INSTANT, (num, pasid),			\
	   (dsa_status, status), (num, bytes), (hex, fault_addr), (owner_gen, gen), (desc, desc))	\
	EV(ACCEL_ABORT, "accel.abort", pasid, INSTANT, (num, pasid), (dsa_status, status),	\
	   (num, bytes), (hex, fault_addr), (owner_gen, gen), (desc, desc))				\
	/* a descriptor aborted in its queue, before any engine took it */			\
	EV(ACCEL_ABORT_QUEUED, "accel.abort", pasid, INSTANT, (num, pasid), (dsa_op, opcode),	\
	   (num, pending), (owner_gen, gen), (desc, desc))						\
	EV(ACCEL_RECORD_LOST, "accel.record_lost", pasid, INSTANT, (num, pasid), (hex, addr),	\
	   (fault_reason, reason), (owner_gen, gen), (desc, desc))					\
	EV(ACCEL_STOP, "accel.stop", pasid, INSTANT, (str, wq), (num, pasid), (num, aborted))	\
	/* the tool's built-in programs */							\
	EV(PASID_ALLOC_FAILED, "pasid.alloc_failed", NONE, INSTANT, (num, max), (err, err))	\
	EV(PASID_LIVE, "pasid.live", pasid, BEGIN, (num, pasid))				\
	EV(PASID_DEAD, "pasid.live", pasid, END)

/*
 * The formats a field can declare: X(format, storage, what its text is). The storage is num
 * (uint64_t: sva_ev_num reads it) or str (sva_ev_str); SVA_EV_STORE_<format> says which to the
 * generators of sva/base.h (a format not listed here does not compile). Codes print by their
 * kernel name (<linux/idxd.h>'s DSA_OPCODE_* and DSA_COMP_*, IOMMU_PAGE_RESP_*, FAULT_FLAG_*)
 * without its prefix, a value without a name in hex.
 */
#define SVA_EV_FORMATS(X)									\
	X(str, str, "the string")								\
	X(num, num, "decimal")									\
	X(hex, num, "an address or a length: 0x7f0000001000")					\
	X(err, num, "0, or a negative errno by name: -EFAULT")				\
	X(dsa_op, num, "a DSA opcode: MEMMOVE (DSA_OPCODE_MEMMOVE)")				\
	X(dsa_status, num, "a DSA completion status: SUCCESS, PAGE_FAULT_NOBOF, ABORTED")	\
	X(page_resp, num, "a page response code: SUCCESS, INVALID, FAILURE")			\
	X(fault_reason, num, "why a translation failed: NOT_PRESENT, PASID_BLOCKED, ...")	\
	X(fault_flags, num, "a CPU fault's flags: WRITE|USER|REMOTE (FAULT_FLAG_*)")		\
	X(prot, num, "a mapping's protection: READ|WRITE, NONE")				\
	X(signo, num, "a signal by name: SIGKILL")						\
	X(owner_gen, num, "a PASID owner's generation: 3, or an embedder's table: embedder#2")	\
	X(pasid_state, num, "a PASID table entry's state: TRANSLATING, BLOCKING_SILENT, ...")	\
	X(desc, num, "a descriptor's id: the device's id . its number at submission (1.17)")
#define SVA_EV_STORE_str	 str
#define SVA_EV_STORE_num	 num
#define SVA_EV_STORE_hex	 num
#define SVA_EV_STORE_err	 num
#define SVA_EV_STORE_dsa_op	 num
#define SVA_EV_STORE_dsa_status	 num
#define SVA_EV_STORE_page_resp	 num
#define SVA_EV_STORE_fault_reason num
#define SVA_EV_STORE_fault_flags num
#define SVA_EV_STORE_prot	 num
#define SVA_EV_STORE_signo	 num
#define SVA_EV_STORE_pasid_state num
#define SVA_EV_STORE_desc	 num
#define SVA_EV_STORE_owner_gen	 num
/* A descriptor id (format desc): the device's id in the high bits, its sequence number below. */
#define SVA_EV_DESC_SEQ_BITS 40
#define SVA_EV_DESC_ID(dev_id, seq) (((uint64_t)(dev_id) << SVA_EV_DESC_SEQ_BITS) | (seq))
/* clang-format on */

/* The named tracks (lifetimes drawn as rows): their name in the trace. */
#define SVA_EV_TRACK_NONE    NULL
#define SVA_EV_TRACK_mm	     "mm"
#define SVA_EV_TRACK_process "process"
#define SVA_EV_TRACK_device  "device"
#define SVA_EV_TRACK_pasid   "pasid"

#endif /* SVA_EVENTS_H */
