//! Policy files mapped read-only (issue #13): a `.corsb` of a million origins is used
//! where it lies in the page cache, shared by the master and every worker, instead of
//! being read and decoded into each process's heap.
//!
//! The file is opened and `fstat`ed (only a regular file is mapped: a directory, a
//! FIFO or a device is refused before it could block or never end), then mapped with
//! `mmap(PROT_READ, MAP_PRIVATE)`. The [`MappedFile`] owns the mapping; the table
//! that keeps it (`RuleTable::from_owner`) lives in the http main conf, which nginx
//! drops in a cleanup of the cycle's pool: that is where the mapping is unmapped, when
//! the cycle that loaded it is destroyed (after a reload, once its workers are gone).
//! Workers inherit it at fork.
//!
//! The file must be replaced by renaming a new one over it (`docs/scale.md`): the
//! mapping keeps the old inode, while writing into the mapped file in place could
//! change pages under running workers, and truncating it makes their reads fault.

use core::ffi::c_void;
use core::ptr::NonNull;
use std::fs::File;
use std::os::unix::io::AsRawFd;

use ngx::ffi::{mmap, munmap, MAP_PRIVATE, PROT_READ};

/// Why a file could not be mapped.
#[derive(Debug)]
pub enum MapError {
    /// Opening, `fstat` or `mmap` failed.
    Io(std::io::Error),
    /// Not a regular file.
    NotAFile,
}

/// The contents of a policy file: a read-only mapping, or nothing for an empty file
/// (which `mmap` refuses).
pub enum FileContents {
    /// The mapped file.
    Mapped(MappedFile),
    /// An empty file.
    Empty,
}

impl AsRef<[u8]> for FileContents {
    fn as_ref(&self) -> &[u8] {
        match self {
            FileContents::Mapped(m) => m.as_ref(),
            FileContents::Empty => &[],
        }
    }
}

/// A read-only private mapping of a whole file, unmapped when dropped.
pub struct MappedFile {
    addr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only memory owned by this value alone (nothing else
// unmaps it), with no thread affinity; moving the owner to another thread is as safe
// as moving a `Box<[u8]>`.
unsafe impl Send for MappedFile {}

impl AsRef<[u8]> for MappedFile {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `addr` is the start of a live mapping of `len` readable bytes
        // (`map`), unmapped only in `drop`, so for as long as `self` is borrowed. It is
        // `PROT_READ` and `MAP_PRIVATE`: this process never writes it. (A file
        // truncated by another process under the mapping makes a read past its new end
        // fault; `docs/scale.md` says to replace files by renaming.)
        unsafe { core::slice::from_raw_parts(self.addr.as_ptr(), self.len) }
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: `addr`/`len` are exactly what `mmap` returned and was asked for, and
        // no slice of the mapping outlives `self` (`as_ref` borrows it).
        unsafe { munmap(self.addr.as_ptr().cast::<c_void>(), self.len) };
    }
}

/// Opens the file at `path`, checks that it is a regular file, and maps it read-only.
pub fn map_file(path: &str) -> Result<FileContents, MapError> {
    // Not opened at all unless it is a regular file: opening a FIFO blocks.
    if !std::fs::metadata(path).map_err(MapError::Io)?.is_file() {
        return Err(MapError::NotAFile);
    }
    let file = File::open(path).map_err(MapError::Io)?;
    // `fstat` of what was opened: the path may have been replaced in between.
    let meta = file.metadata().map_err(MapError::Io)?;
    if !meta.is_file() {
        return Err(MapError::NotAFile);
    }
    let Ok(len) = usize::try_from(meta.len()) else {
        return Err(MapError::Io(std::io::Error::from(std::io::ErrorKind::OutOfMemory)));
    };
    if len == 0 {
        return Ok(FileContents::Empty);
    }
    // SAFETY: a new mapping at an address of the kernel's choosing (no existing memory
    // is affected) of `len` bytes of the open descriptor, read-only and private; the
    // descriptor may be closed afterwards (the mapping keeps the file).
    let addr = unsafe {
        mmap(core::ptr::null_mut(), len, PROT_READ as i32, MAP_PRIVATE as i32, file.as_raw_fd(), 0)
    };
    // MAP_FAILED is `(void *) -1`.
    if addr as isize == -1 {
        return Err(MapError::Io(std::io::Error::last_os_error()));
    }
    let addr = NonNull::new(addr.cast::<u8>())
        .ok_or_else(|| MapError::Io(std::io::Error::from(std::io::ErrorKind::Other)))?;
    Ok(FileContents::Mapped(MappedFile { addr, len }))
}
