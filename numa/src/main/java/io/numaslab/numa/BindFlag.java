package io.numaslab.numa;

/** Flags of {@code mbind} ({@code MPOL_MF_*}). */
public enum BindFlag
{
    /** Fail with EIO if pages already in the range are not on the policy's nodes. */
    STRICT(1),
    /** Move pages of this process already in the range to the policy's nodes. */
    MOVE(2),
    /** Move pages even if other processes share them (needs CAP_SYS_NICE). */
    MOVE_ALL(4);

    private final int bit;

    BindFlag(final int bit)
    {
        this.bit = bit;
    }

    /** @return the kernel's {@code MPOL_MF_*} bit. */
    public int bit()
    {
        return bit;
    }
}
