// Generates javaset.txt, the golden iteration orders of java.util.HashSet
// that tree/javaset.go must reproduce:
//   java JavaSetOrder.java > javaset.txt
// Each line is an op on one set (add PATH, remove PATH, clone: the set is
// replaced by its clone, as DataTree.getEphemerals hands one out), then
// "=" and the set's iteration order after it.
import java.util.*;

public class JavaSetOrder {
    public static void main(String[] args) {
        Random rnd = new Random(42);
        String[] names = {"a", "b", "e", "lock-", "q-", "node", "x"};
        for (int run = 0; run < 40; run++) {
            System.out.println("new");
            HashSet<String> set = new HashSet<>();
            List<String> known = new ArrayList<>();
            int steps = 20 + rnd.nextInt(80);
            for (int i = 0; i < steps; i++) {
                int w = rnd.nextInt(100);
                String op;
                if (w < 60 || known.isEmpty()) {
                    StringBuilder p = new StringBuilder();
                    int depth = 1 + rnd.nextInt(3);
                    for (int d = 0; d < depth; d++) {
                        p.append('/').append(names[rnd.nextInt(names.length)]);
                    }
                    if (rnd.nextBoolean()) {
                        p.append(String.format("%010d", rnd.nextInt(200)));
                    }
                    String s = p.toString();
                    set.add(s);
                    known.add(s);
                    op = "add " + s;
                } else if (w < 92) {
                    String s = known.get(rnd.nextInt(known.size()));
                    set.remove(s);
                    op = "remove " + s;
                } else {
                    set = (HashSet<String>) set.clone();
                    op = "clone";
                }
                System.out.println(op + " = " + String.join(" ", set));
            }
        }
    }
}
