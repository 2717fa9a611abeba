//! Per-request values that survive internal redirects, without allocating.
//!
//! nginx zeroes every module's ctx slot on an internal redirect (`error_page`,
//! `try_files`, `index`, named locations) and in `ngx_http_filter_finalize_request`, but
//! leaves the request's indexed-variable values (`r->variables`) alone: that array is
//! allocated with the request, one `ngx_variable_value_t` per indexed variable. A
//! [`RequestSlot`] is such an entry, declared under a name no configuration can
//! reference, and used as per-request memory: a pointer in `data` (null: nothing
//! stored) and a flag byte in the first byte of the bitfield word (`len`'s low bits),
//! read and written as a plain byte — bindgen's bitfield accessors walk the bits one at
//! a time, a few hundred instructions for `set_len`. The `valid` and `not_found` bits
//! stay clear, so nginx, were it ever asked for the value, would call the get handler
//! ([`not_found`]) rather than read ours.
//!
//! Why no configuration can read or write it:
//! - the name contains `:`, which nginx's script compiler never takes as part of a
//!   variable name (`$cors:state` is `$cors` followed by text; `${cors:state}` is a
//!   syntax error), so no directive can compile a reference to it;
//! - it is declared `NGX_HTTP_VAR_NOHASH`, so the run-time lookups by name (SSI, Perl,
//!   njs use `ngx_http_get_variable`) do not find it.
//!
//! So nothing but this module reads the entry, and nothing but [`Req::set_slot`] writes
//! it. Subrequests share the main request's array; the module keeps state for main
//! requests only.

use core::marker::PhantomData;

use ngx::ffi::{
    ngx_http_add_variable, ngx_http_get_variable_index, ngx_http_request_t, ngx_int_t, ngx_uint_t,
    ngx_variable_value_t, NGX_HTTP_VAR_NOCACHEABLE, NGX_HTTP_VAR_NOHASH, NGX_OK,
};

use super::{ngx_str, Cf, Req};

/// Flag bits kept with a slot's pointer (in the entry's 28-bit `len`).
pub type SlotFlags = u8;

/// A per-request slot holding a `&'static T` and [`SlotFlags`], declared at
/// configuration time by [`RequestSlot::declare`]. `Copy`: the index is a plain number,
/// valid for the configuration cycle that declared it (keep it in that cycle's conf, not
/// in a static, so a failed reload cannot hand the running cycle another cycle's index).
pub struct RequestSlot<T: 'static> {
    index: ngx_uint_t,
    holds: PhantomData<&'static T>,
}

impl<T> Clone for RequestSlot<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for RequestSlot<T> {}

/// Not declared (yet): reads find nothing and writes are dropped. What a conf holds
/// between its creation and the hook that declares the slot.
impl<T> Default for RequestSlot<T> {
    fn default() -> Self {
        RequestSlot { index: UNDECLARED, holds: PhantomData }
    }
}

/// The index of an undeclared slot.
const UNDECLARED: ngx_uint_t = ngx_uint_t::MAX;

/// The get handler of a slot's variable: never called in practice (see the module doc),
/// and "not found" if it ever is.
unsafe extern "C" fn not_found(
    _r: *mut ngx_http_request_t,
    v: *mut ngx_variable_value_t,
    _data: usize,
) -> ngx_int_t {
    // SAFETY: nginx passes its live value to get handlers.
    if let Some(v) = unsafe { v.as_mut() } {
        v.set_not_found(1);
    }
    NGX_OK as ngx_int_t
}

impl<T> RequestSlot<T> {
    /// Declares the slot `name` (which must contain a character outside `[A-Za-z0-9_]`,
    /// see the module doc) on the configuration being parsed; `None` on failure.
    pub fn declare(cf: &Cf, name: &'static str) -> Option<Self> {
        debug_assert!(name.bytes().any(|b| !b.is_ascii_alphanumeric() && b != b'_'));
        let mut n = ngx_str(name.as_bytes());
        let flags = NGX_HTTP_VAR_NOHASH | NGX_HTTP_VAR_NOCACHEABLE;
        // SAFETY: `cf` is the live conf of a configuration hook; nginx copies the name
        // into the conf pool, returns the variable to fill in (or null), and gives it an
        // index in every request's `variables` array.
        unsafe {
            let v = ngx_http_add_variable(cf.0, &mut n, flags as ngx_uint_t).as_mut()?;
            v.get_handler = Some(not_found);
            let index = ngx_http_get_variable_index(cf.0, &mut n);
            let index = ngx_uint_t::try_from(index).ok()?;
            Some(RequestSlot { index, holds: PhantomData })
        }
    }
}

/// The first byte of an entry's bitfield word: `len`'s low byte with the C bitfield
/// layout of little-endian targets (asserted below), so `valid`, `no_cacheable`,
/// `not_found` and `escape`, in the last byte, are never touched.
///
/// # Safety
/// `e` must point at a live entry.
unsafe fn flag_byte(e: *mut ngx_variable_value_t) -> *mut u8 {
    // SAFETY: the bitfield unit is a `#[repr(C)]` wrapper of `[u8; 4]` inside the entry.
    unsafe { core::ptr::addr_of_mut!((*e)._bitfield_1).cast::<u8>() }
}

const _: () = assert!(cfg!(target_endian = "little"), "flag_byte assumes little-endian");

impl Req {
    /// The entry of `slot` in the request's variables array.
    #[inline]
    fn slot_entry<T>(&self, slot: RequestSlot<T>) -> Option<*mut ngx_variable_value_t> {
        let vars = self.r().variables;
        // SAFETY: `variables` is allocated with the request, one entry per indexed
        // variable of the request's configuration cycle, which declared `slot` (a
        // declared index is below their count).
        (!vars.is_null() && slot.index != UNDECLARED).then(|| unsafe { vars.add(slot.index) })
    }

    /// The value and flags in `slot`, if [`Req::set_slot`] stored one for this request.
    #[inline]
    pub fn slot<T>(&self, slot: RequestSlot<T>) -> Option<(&'static T, SlotFlags)> {
        let e = self.slot_entry(slot)?;
        // SAFETY: the entry is live (see `slot_entry`) and only `set_slot` and
        // `clear_slot` write it (module doc): `data` is null (zeroed with the request, or
        // cleared) or a `&'static T`, and the bitfield word's first byte our flags.
        unsafe {
            let value = (*e).data.cast::<T>().cast_const().as_ref()?;
            Some((value, flag_byte(e).read()))
        }
    }

    /// Stores `value` and `flags` in `slot` for the rest of the request, internal
    /// redirects included.
    #[inline]
    pub fn set_slot<T>(&self, slot: RequestSlot<T>, value: &'static T, flags: SlotFlags) {
        let Some(e) = self.slot_entry(slot) else { return };
        // SAFETY: the entry is live and ours alone (module doc); `value` outlives the
        // request, so the pointer stays valid for every later `slot` read.
        unsafe {
            (*e).data = core::ptr::from_ref(value).cast::<u8>().cast_mut();
            flag_byte(e).write(flags);
        }
    }

    /// Points `slot` at `value`, which lives only in the caller's frame, for the
    /// duration of `f`, and empties it afterwards (flags included).
    ///
    /// # Safety
    /// No reference that [`Req::slot`] returns during `f` may be used after `f`
    /// returns, and `f` must leave the request live (it must not finalize it).
    #[inline(always)]
    pub unsafe fn with_slot<T, R>(
        &self,
        slot: RequestSlot<T>,
        value: &T,
        f: impl FnOnce() -> R,
    ) -> R {
        let Some(e) = self.slot_entry(slot) else { return f() };
        // SAFETY: the entry is live and ours alone (module doc); the pointer is read
        // only while `f` runs (the caller's contract), while `value` is alive, and is
        // cleared before `value` goes away.
        unsafe {
            (*e).data = core::ptr::from_ref(value).cast::<u8>().cast_mut();
            flag_byte(e).write(0);
        }
        let out = f();
        // SAFETY: `f` left the request live (the caller's contract), so the entry is too.
        unsafe { (*e).data = core::ptr::null_mut() };
        out
    }

    /// Empties `slot`.
    #[inline]
    pub fn clear_slot<T>(&self, slot: RequestSlot<T>) {
        if let Some(e) = self.slot_entry(slot) {
            // SAFETY: as in `set_slot`.
            unsafe { (*e).data = core::ptr::null_mut() };
        }
    }
}
