namespace Berth.Volumes;

/// <summary>One lock per volume name, held while the name is created, removed, mounted or unmounted, so a slow
/// driver (a plugin) holds up only its own volume. Entries live while someone holds or waits for them.</summary>
internal sealed class NameLocks
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    public Releaser Acquire(string name)
    {
        Slot slot;
        lock (_gate)
        {
            if (!_slots.TryGetValue(name, out slot!))
            {
                slot = new Slot();
                _slots[name] = slot;
            }
            slot.Users++;
        }
        slot.Semaphore.Wait();
        return new Releaser(this, name, slot);
    }

    private void Release(string name, Slot slot)
    {
        slot.Semaphore.Release();
        lock (_gate)
        {
            if (--slot.Users == 0)
            {
                _slots.Remove(name);
                slot.Semaphore.Dispose();
            }
        }
    }

    internal sealed class Slot
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int Users;
    }

    public readonly struct Releaser : IDisposable
    {
        private readonly NameLocks _owner;
        private readonly string _name;
        private readonly Slot _slot;

        internal Releaser(NameLocks owner, string name, Slot slot)
        {
            _owner = owner;
            _name = name;
            _slot = slot;
        }

        public void Dispose() => _owner.Release(_name, _slot);
    }
}
