// One queue for the whole page: options.concurrency uploads run at once.

var queue = [], running = 0;

// Queues an item's upload; until it runs, its job only leaves the queue.
function enqueue(item) {
  item.job = { cancel: function () { queue.splice(queue.indexOf(item) >>> 0, 1); } };
  queue.push(item);
}

// Stops an item's upload, queued or running; false if it had none.
function stop(item) {
  var job = item.job;
  item.job = null;
  if (!job) return false;
  job.cancel();
  if (job.running) release();
  return true;
}

// A running upload ended: the next may start.
function release() {
  running--;
  pump();
}

function pump() {
  while (running < (options.concurrency || 3) && queue.length) {
    running++;
    run(queue.shift());
  }
}
