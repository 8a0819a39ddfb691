// One berthd serves the whole suite and its tests change shared state (containers, images, the daemon itself):
// they run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
